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
        Links.requireName(hostDevice);
        Namespaces.create(namespace);
        Workload w = new Workload(namespace, address, hostDevice, "eth0");
        try {
            Links.veth(nodeNamespace, hostDevice, namespace, w.podDevice());
            Links.up(nodeNamespace, hostDevice);
            Links.address(namespace, w.podDevice(), address, 32);
            Links.up(namespace, w.podDevice());
            Namespaces.exec(namespace, "ip", "route", "add", gateway + "/32", "dev", w.podDevice(), "scope", "link")
                    .orThrow();
            Namespaces.exec(namespace, "ip", "route", "add", "default", "via", gateway, "dev", w.podDevice())
                    .orThrow();
            return w;
        } catch (RuntimeException e) {
            Namespaces.delete(namespace);
            throw e;
        }
    }

    /** Runs {@code cmd} inside the workload. */
    public Command.Result exec(String... cmd) {
        return Namespaces.exec(namespace, cmd);
    }

    public void delete() {
        Namespaces.delete(namespace);
    }
}
