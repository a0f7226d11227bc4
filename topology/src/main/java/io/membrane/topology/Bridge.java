package io.membrane.topology;

import java.util.List;

/**
 * A bridge inside a namespace of its own, and member namespaces each joined to it by a veth: the shape of a
 * lab's fabric (node namespaces on one segment) and of a node with endpoints (pods behind their host-side
 * veths). The bridge's namespace holds every port, so nothing of it appears in the root namespace.
 */
public record Bridge(String namespace, String name) {
    /** Creates namespace {@code namespace} and bridge {@code name} inside it. */
    public static Bridge create(String namespace, String name) {
        Namespaces.create(namespace);
        Links.bridge(namespace, name);
        return new Bridge(namespace, name);
    }

    /**
     * Joins namespace {@code member} (which must exist) to the bridge: veth {@code port} is the bridge's end,
     * {@code device} the member's, with {@code addresses} ("10.0.0.1/24") on it; both ends up.
     */
    public void join(String member, String port, String device, List<String> addresses) {
        Links.veth(namespace, port, member, device);
        Links.attach(namespace, port, name);
        for (String cidr : addresses) {
            int slash = cidr.indexOf('/');
            Links.address(member, device, cidr.substring(0, slash), Integer.parseInt(cidr.substring(slash + 1)));
        }
        Links.up(member, device);
    }
}
