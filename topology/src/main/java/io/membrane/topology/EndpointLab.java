package io.membrane.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A node namespace holding a bridge, and endpoint namespaces ("pods") each joined to it by a veth whose host
 * side sits in the node namespace — where the endpoint programs attach, as on a Cilium node. Names are unique
 * per lab; {@link #close()} removes every namespace (and with them every device and attachment).
 */
public final class EndpointLab implements AutoCloseable {
    /** One endpoint: its namespace, its address, and the host-side device in the node namespace. */
    public record Endpoint(String name, String namespace, String address, String hostDevice, String podDevice) {}

    private final String id = UUID.randomUUID().toString().substring(0, 6);
    private final String nodeNs;
    private final String bridgeName;
    private final List<Endpoint> endpoints = new ArrayList<>();
    private Bridge bridge;

    private EndpointLab(String prefix) {
        this.nodeNs = prefix + "-" + id + "-node";
        this.bridgeName = "br" + id;
    }

    /** Creates the node namespace and its bridge. */
    public static EndpointLab create(String prefix) {
        EndpointLab lab = new EndpointLab(prefix);
        try {
            lab.bridge = Bridge.create(lab.nodeNs, lab.bridgeName);
            return lab;
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    /** Adds an endpoint namespace with {@code address}/24 behind a veth into the node's bridge. */
    public Endpoint addEndpoint(String name, String address) {
        String ns = nodeNs.replace("-node", "-" + name);
        String host = "lxc" + id + name;
        String pod = "eth" + id + name;
        if (host.length() > Links.MAX_NAME) {
            throw new IllegalArgumentException("endpoint name '" + name + "' makes device names too long");
        }
        Namespaces.create(ns);
        Endpoint ep = new Endpoint(name, ns, address, host, pod);
        endpoints.add(ep);
        bridge.join(ns, host, pod, List.of(address + "/24"));
        return ep;
    }

    public String nodeNamespace() {
        return nodeNs;
    }

    /** Pings {@code to} from endpoint {@code from}'s namespace; returns the number of replies. */
    public int ping(Endpoint from, String to, int count) {
        return Ping.from(from.namespace(), to, count);
    }

    @Override
    public void close() {
        for (Endpoint ep : endpoints) {
            Namespaces.delete(ep.namespace());
        }
        Namespaces.delete(nodeNs);
    }
}
