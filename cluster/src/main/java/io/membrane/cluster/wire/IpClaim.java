package io.membrane.cluster.wire;

import java.util.Objects;

/**
 * One ipcache claim as Distributed Data holds it (a value of an {@code LWWMap} shard): an external entry (the
 * cluster's, {@code node} empty, with the labels its identity stands for) or an entry a node owns (an endpoint's
 * address; labels empty, the identity table has them).
 *
 * @param cidr            the CIDR's text, canonical
 * @param node            the owning node's name; empty for an external entry
 * @param clusterAddress  the owning node's Pekko address (its entries are ignored once it is no member); empty for an
 *                        external entry
 * @param labels          an external entry's label set in its text form
 * @param identity        the identity the CIDR maps to
 * @param claimedAtMillis when the claim was written, epoch milliseconds (the conflict rule's tie-break)
 */
public record IpClaim(
        String cidr, String node, String clusterAddress, String labels, int identity, long claimedAtMillis)
        implements WireMessage {
    public IpClaim {
        Objects.requireNonNull(cidr, "cidr");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(clusterAddress, "clusterAddress");
        Objects.requireNonNull(labels, "labels");
    }
}
