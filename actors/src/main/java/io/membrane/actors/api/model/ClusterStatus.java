package io.membrane.actors.api.model;

import java.util.List;
import java.util.Map;

/**
 * GET /v1/cluster: this node's view of the cluster.
 *
 * @param self     this node's Pekko address
 * @param leader   the leader's address, null while there is none
 * @param decider  the address of the member that runs the identity decider (the oldest up member), null while
 *                 there is none
 * @param registry the node registry by node name
 */
public record ClusterStatus(
        String self, String leader, String decider, List<Member> members, Map<String, RegistryEntry> registry) {
    /** A member as this node sees it; {@code status} is Pekko's member status in lower case ({@code up}). */
    public record Member(String address, String status, boolean reachable, boolean self) {}

    /**
     * A node as the registry records it.
     *
     * @param address        host:port of the node's admin API
     * @param underlay       the node's IPv4 underlay address
     * @param clusterAddress the node's Pekko address
     * @param joinedAtMillis when it joined, epoch milliseconds
     */
    public record RegistryEntry(
            String name, String address, String underlay, String clusterAddress, long joinedAtMillis) {}
}
