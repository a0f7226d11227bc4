package io.membrane.topology;

/**
 * A workload as a CNI plugin would make one for native routing: a namespace of its own behind a veth whose other
 * end sits in the node's namespace, one address (/32) on the workload's side, and its routes through the
 * endpoints' gateway (a link route to the gateway, then the default). The host side gets no address: delivering to
 * the workload is the agent's business (its /32 route and the gateway device). {@link #delete} removes the
 * namespace, and with it both ends of the veth.
 *
 * @param namespace the workload's namespace
 * @param hostDevice the veth's end in the node's namespace (what the endpoint is registered with)
 * @param podDevice the veth's end inside the workload
 */
public record Workload(String namespace, String address, String hostDevice, String podDevice) {
    /** Makes the workload's namespace and veth; nothing is left behind if a step fails. */
    public static Workload create(
            String nodeNamespace, String namespace, String hostDevice, String address, String gateway) {
        Workload w = unaddressed(nodeNamespace, namespace, hostDevice);
        try {
            return w.addressed(address, gateway);
        } catch (RuntimeException e) {
            w.delete();
            throw e;
        }
    }

    /**
     * The namespace and the veth, both ends up, no address yet: what an endpoint is registered with before its
     * address is known (the node's IPAM gives it). {@link #addressed} completes it.
     */
    public static Workload unaddressed(String nodeNamespace, String namespace, String hostDevice) {
        Links.requireName(hostDevice);
        Namespaces.create(namespace);
        Workload w = new Workload(namespace, "", hostDevice, "eth0");
        try {
            Links.veth(nodeNamespace, hostDevice, namespace, w.podDevice());
            Links.up(nodeNamespace, hostDevice);
            Links.up(namespace, w.podDevice());
            return w;
        } catch (RuntimeException e) {
            Namespaces.delete(namespace);
            throw e;
        }
    }

    /** Gives the workload {@code address}/32 and its routes through {@code gateway}. */
    public Workload addressed(String address, String gateway) {
        Links.address(namespace, podDevice, address, 32);
        Namespaces.exec(namespace, "ip", "route", "add", gateway + "/32", "dev", podDevice, "scope", "link")
                .orThrow();
        Namespaces.exec(namespace, "ip", "route", "add", "default", "via", gateway, "dev", podDevice)
                .orThrow();
        return new Workload(namespace, address, hostDevice, podDevice);
    }

    /** Runs {@code cmd} inside the workload. */
    public Command.Result exec(String... cmd) {
        return Namespaces.exec(namespace, cmd);
    }

    public void delete() {
        Namespaces.delete(namespace);
    }
}
