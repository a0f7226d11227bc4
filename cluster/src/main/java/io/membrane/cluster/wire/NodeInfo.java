package io.membrane.cluster.wire;

import java.util.Objects;

/**
 * One node of the cluster as the node registry (an {@code LWWMap<String, NodeInfo>} in Distributed Data) records
 * it.
 *
 * @param name           the node's name, the key in the registry
 * @param address        host:port of the node's agent API
 * @param underlay       the node's IPv4 underlay address
 * @param clusterAddress the node's Pekko address, to match membership events to registry entries
 * @param joinedAtMillis when the node joined, in epoch milliseconds
 */
public record NodeInfo(String name, String address, String underlay, String clusterAddress, long joinedAtMillis)
        implements WireMessage {
    public NodeInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(underlay, "underlay");
        Objects.requireNonNull(clusterAddress, "clusterAddress");
    }
}
