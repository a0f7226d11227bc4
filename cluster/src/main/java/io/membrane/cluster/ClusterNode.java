package io.membrane.cluster;

import com.typesafe.config.Config;
import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.cluster.tls.ClusterTls;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Starts an agent as a cluster node: the agent's own start-up, then membership (the seed nodes of the config;
 * the single-node default joins itself), the node registry and the replicated prefilter. The node's name is
 * {@code membrane.cluster.node-name} (default: the host name); {@code membrane.cluster.tls} puts the transport
 * on TLS with mutual authentication ({@link ClusterTls}).
 */
public final class ClusterNode {
    private ClusterNode() {
    }

    /**
     * @throws io.membrane.cluster.tls.TlsConfigException if {@code membrane.cluster.tls} is on but cannot work,
     *         before anything starts
     */
    public static AgentNode start(AgentConfig config) {
        // The actor system takes its config from AgentConfig.raw(), so the TLS settings go in before it exists.
        AgentConfig node = AgentConfig.from(ClusterTls.apply(config.raw()));
        Config c = node.raw();
        String name = c.hasPath("membrane.cluster.node-name") ? c.getString("membrane.cluster.node-name") : hostName();
        return AgentNode.start(node, new ClusterExtension(name, node.apiHost() + ":" + node.apiPort()));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "node";
        }
    }
}
