package io.membrane.actors.ipcache;

import io.membrane.actors.identity.IdentityScope;
import io.membrane.maps.net.Cidr;
import java.util.Comparator;
import java.util.Objects;

/**
 * One claim on a CIDR: the identity it maps to, who claims it and why. Several claims may name one CIDR (two nodes
 * publish the same endpoint address, an external entry covers a node's address); {@link #PRECEDENCE} picks the one
 * the map holds, from the claims alone, so that every node that holds the same claims picks the same winner.
 *
 * @param node            the node that owns the claim (endpoint and node entries); empty for external and
 *                        reserved ones, which belong to the cluster
 * @param claimedAtMillis when the claim was made (epoch milliseconds, as written by its owner): the earlier claim
 *                        wins among claims of one source
 */
public record IpCacheEntry(Cidr cidr, int identity, String node, Source source, long claimedAtMillis) {
    /** Where a claim comes from, in the order of precedence the conflict rule gives them (strongest first). */
    public enum Source {
        /** A node's own address: host on that node, remote-node on the others. */
        NODE("node"),
        /** An endpoint's address, published by the node that hosts it. */
        ENDPOINT("endpoint"),
        /** A workload outside the cluster ({@code PUT /v1/ip/{cidr}}), cluster-wide. */
        EXTERNAL("external"),
        /** What the agent maps by itself: {@code 0.0.0.0/0} and {@code ::/0} to world. */
        RESERVED("reserved");

        private final String text;

        Source(String text) {
            this.text = text;
        }

        /** As the API writes it. */
        public String text() {
            return text;
        }
    }

    /**
     * The conflict rule: the stronger source wins (node, then endpoint, then external, then reserved); among claims
     * of one source the earlier claim; then the smaller node name; then the smaller identity (a total order, so
     * no two claims ever tie).
     */
    public static final Comparator<IpCacheEntry> PRECEDENCE = Comparator.comparing(IpCacheEntry::source)
            .thenComparingLong(IpCacheEntry::claimedAtMillis)
            .thenComparing(IpCacheEntry::node)
            .thenComparingInt(IpCacheEntry::identity);

    public IpCacheEntry {
        Objects.requireNonNull(cidr, "cidr");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(source, "source");
    }

    /** Whether the identity is a number of some range (0, unknown, never is). */
    boolean hasValidIdentity() {
        try {
            IdentityScope.of(identity);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether {@code other} is the same claim (the same owner and source), whatever it maps to now. */
    boolean sameClaim(IpCacheEntry other) {
        return source == other.source && node.equals(other.node) && cidr.equals(other.cidr);
    }
}
