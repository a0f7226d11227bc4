package io.membrane.actors.api.model;

import java.util.List;

/**
 * One entry of GET /v1/ip: a CIDR of this node's ipcache and the identity it maps to.
 *
 * @param labels the identity's labels as this node knows them (empty if it does not)
 * @param node   the node that owns the claim; empty for external and reserved entries (the cluster's)
 * @param source {@code endpoint}, {@code external}, {@code node} or {@code reserved}
 * @param claims how many claims name the CIDR; above 1 is a conflict, resolved the same way on every node
 */
public record IpEntry(String cidr, long identity, List<String> labels, String node, String source, int claims) {
    public IpEntry {
        labels = List.copyOf(labels);
    }
}
