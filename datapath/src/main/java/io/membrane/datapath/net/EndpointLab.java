package io.membrane.datapath.net;

import io.membrane.datapath.net.Netns.Command;
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
    public record Endpoint(String name, String namespace, String address, String hostDevice, String podDevice) {
    }

    private final String id = UUID.randomUUID().toString().substring(0, 6);
    private final String nodeNs;
    private final String bridge;
    private final List<Endpoint> endpoints = new ArrayList<>();

    private EndpointLab(String prefix) {
        this.nodeNs = prefix + "-" + id + "-node";
        this.bridge = "br" + id;
    }

    /** Creates the node namespace and its bridge. */
    public static EndpointLab create(String prefix) {
        EndpointLab lab = new EndpointLab(prefix);
        try {
            Netns.create(lab.nodeNs);
            Netns.exec(lab.nodeNs, "ip", "link", "set", "lo", "up").orThrow();
            Netns.exec(lab.nodeNs, "ip", "link", "add", lab.bridge, "type", "bridge").orThrow();
            Netns.exec(lab.nodeNs, "ip", "link", "set", lab.bridge, "up").orThrow();
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
        if (host.length() > 15) {
            throw new IllegalArgumentException("endpoint name '" + name + "' makes device names too long");
        }
        Netns.create(ns);
        Endpoint ep = new Endpoint(name, ns, address, host, pod);
        endpoints.add(ep);
        Command.run("ip", "link", "add", host, "netns", nodeNs, "type", "veth", "peer", "name", pod, "netns", ns)
                .orThrow();
        Netns.exec(nodeNs, "ip", "link", "set", host, "master", bridge).orThrow();
        Netns.exec(nodeNs, "ip", "link", "set", host, "up").orThrow();
        Netns.exec(ns, "ip", "link", "set", "lo", "up").orThrow();
        Netns.exec(ns, "ip", "addr", "add", address + "/24", "dev", pod).orThrow();
        Netns.exec(ns, "ip", "link", "set", pod, "up").orThrow();
        return ep;
    }

    public String nodeNamespace() {
        return nodeNs;
    }

    /** Pings {@code to} from endpoint {@code from}'s namespace; returns the number of replies. */
    public int ping(Endpoint from, String to, int count) {
        return NamespacePair.repliesIn(Netns.exec(from.namespace(), "ping", "-n", "-q", "-c", String.valueOf(count),
                "-i", "0.2", "-W", "1", to).output());
    }

    @Override
    public void close() {
        for (Endpoint ep : endpoints) {
            Netns.delete(ep.namespace());
        }
        Netns.delete(nodeNs);
    }
}
