package io.membrane.cluster;

import com.typesafe.config.Config;
import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.cluster.tls.ClusterTls;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Starts an agent as a cluster node: the agent's own start-up, then membership (the seed nodes of the config;
 * the single-node default joins itself), the node registry and the replicated prefilter. The node's name is
 * {@code membrane.cluster.node-name} (default: the host name); {@code membrane.cluster.tls} puts the transport
 * on TLS with mutual authentication ({@link ClusterTls}). The cluster-scoped deny list is durable (LMDB in
 * {@link AgentConfig#ddataDir()}), which needs the JVM started with {@link #REQUIRED_JVM_ARGS}.
 */
public final class ClusterNode {
    /**
     * What an agent JVM must be started with on Java 17: LMDB reads the address of direct buffers from
     * java.nio and sun.nio.ch. bin/membrane passes the same flags (keep them in step).
     */
    public static final List<String> REQUIRED_JVM_ARGS =
            List.of("--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");

    private ClusterNode() {}

    /**
     * @throws io.membrane.cluster.tls.TlsConfigException if {@code membrane.cluster.tls} is on but cannot work,
     *         before anything starts
     */
    public static AgentNode start(AgentConfig config) {
        // The actor system takes its config from AgentConfig.raw(), so the TLS settings go in before it exists.
        AgentConfig node = AgentConfig.from(ClusterTls.apply(config.raw()));
        Config c = node.raw();
        if (!c.getStringList("pekko.cluster.distributed-data.durable.keys").isEmpty()) {
            requireLmdbAccess();
        }
        String name = c.hasPath("membrane.cluster.node-name") ? c.getString("membrane.cluster.node-name") : hostName();
        return AgentNode.start(node, new ClusterExtension(name, node.apiHost() + ":" + node.apiPort()));
    }

    /**
     * Refuses to start without the opens LMDB needs. Without them the durable store fails inside Pekko (without
     * java.nio when it opens, without sun.nio.ch only at the first write) and Pekko treats the error as fatal and
     * exits the JVM: better one clear message before anything starts.
     */
    static void requireLmdbAccess() {
        Module base = Object.class.getModule();
        Module self = ClusterNode.class.getModule();
        List<String> closed = List.of("java.nio", "sun.nio.ch").stream()
                .filter(p -> !base.isOpen(p, self))
                .toList();
        if (!closed.isEmpty()) {
            throw new IllegalStateException("the cluster's durable store (LMDB) needs java.base packages " + closed
                    + " opened: start the JVM with " + String.join(" ", REQUIRED_JVM_ARGS));
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "node";
        }
    }
}
