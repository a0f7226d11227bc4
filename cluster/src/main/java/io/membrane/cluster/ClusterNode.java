package io.membrane.cluster;

import com.typesafe.config.Config;
import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Starts an agent as a cluster node: the agent's own start-up, then membership (the seed nodes of the config;
 * the single-node default joins itself), the node registry and the replicated prefilter. The node's name is
 * {@code membrane.cluster.node-name} (default: the host name).
 */
public final class ClusterNode {
    private ClusterNode() {
    }

    public static AgentNode start(AgentConfig config) {
        Config c = config.raw();
        String name = c.hasPath("membrane.cluster.node-name") ? c.getString("membrane.cluster.node-name") : hostName();
        return AgentNode.start(config, new ClusterExtension(name, config.apiHost() + ":" + config.apiPort()));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "node";
        }
    }
}
