package io.membrane.lab;

import static io.membrane.lab.Lab.BRIDGE;
import static io.membrane.lab.Lab.CLIENT_ADDRESSES;
import static io.membrane.lab.Lab.CLIENT_NS;
import static io.membrane.lab.Lab.DEVICE;
import static io.membrane.lab.Lab.FABRIC_NS;

import io.membrane.lab.Lab.Node;
import io.membrane.topology.Bridge;
import io.membrane.topology.Namespaces;
import io.membrane.topology.Ping;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The lab's network, built with the topology toolkit: the fabric namespace and its bridge, each node's namespace
 * and the client's joined to it by a veth ({@value Lab#DEVICE} on the member's side), each node's routes to the
 * others' pod CIDRs, and how to find and remove all of it again (workloads' namespaces too) by its fixed names.
 */
final class LabNetwork {
    private static final Pattern NODE_NS = Pattern.compile("mbr-n\\d+");
    /** A workload's namespace ({@link LabWorkloads}). */
    static final String WORKLOAD_PREFIX = "mbr-w-";

    private LabNetwork() {}

    static void create(List<Node> nodes, Consumer<String> progress) {
        progress.accept("creating namespaces " + FABRIC_NS + " (bridge " + BRIDGE + "), " + CLIENT_NS + ", "
                + nodes.stream().map(Node::namespace).toList());
        Bridge fabric = Bridge.create(FABRIC_NS, BRIDGE);
        for (Node n : nodes) {
            join(fabric, n.namespace(), List.of(n.address()));
        }
        join(fabric, CLIENT_NS, CLIENT_ADDRESSES);
        // Native routing: each node forwards, and reaches every other node's pod CIDR through its fabric address.
        for (Node n : nodes) {
            Namespaces.exec(n.namespace(), "sysctl", "-qw", "net.ipv4.ip_forward=1")
                    .orThrow();
            for (Node other : nodes) {
                if (other != n) {
                    Namespaces.exec(
                                    n.namespace(),
                                    "ip",
                                    "route",
                                    "add",
                                    other.podCidr(),
                                    "via",
                                    other.address(),
                                    "dev",
                                    DEVICE)
                            .orThrow();
                }
            }
        }
    }

    /** A namespace on the fabric: veth {@code ns} (bridge port) ↔ {@value Lab#DEVICE} (inside ns) with addresses. */
    private static void join(Bridge fabric, String ns, List<String> addresses) {
        Namespaces.create(ns);
        fabric.join(ns, ns, DEVICE, addresses.stream().map(a -> a + "/24").toList());
    }

    /** The lab's namespaces on this machine, whoever made them. */
    static List<String> namespaces() {
        return Namespaces.named(name -> name.equals(FABRIC_NS)
                || name.equals(CLIENT_NS)
                || NODE_NS.matcher(name).matches()
                || name.startsWith(WORKLOAD_PREFIX));
    }

    /** Deletes every lab namespace (and with them the veths, the bridge and the XDP attachments). */
    static void remove(Consumer<String> progress) {
        List<String> namespaces = namespaces();
        for (String ns : namespaces) {
            Namespaces.delete(ns);
        }
        if (!namespaces.isEmpty()) {
            progress.accept("removed namespaces " + namespaces);
        }
        List<String> left = namespaces();
        if (!left.isEmpty()) {
            throw new IllegalStateException("could not remove namespaces " + left);
        }
    }

    /** Detaches whatever XDP program the node's fabric device has; the device stays. */
    static void detachXdp(Node node) {
        Namespaces.exec(node.namespace(), "ip", "link", "set", "dev", DEVICE, "xdp", "off");
    }

    /** Pings {@code to}'s fabric address from the client namespace with source {@code from}; returns replies. */
    static int ping(String from, Node to, int count) {
        return Ping.from(CLIENT_NS, from, to.address(), count);
    }
}
