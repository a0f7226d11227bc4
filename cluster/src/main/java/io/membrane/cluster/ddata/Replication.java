package io.membrane.cluster.ddata;

import java.time.Duration;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * What the bridges between Distributed Data and a node's map owners (the deny list, the ipcache) share: their
 * deadlines and the membership questions their phases ask. Figures: docs/decisions/0003-replication-deadlines.md.
 */
public final class Replication {
    private Replication() {}

    /** A majority write's deadline (before what a long list adds to it). */
    public static final Duration WRITE_TIMEOUT = Duration.ofSeconds(3);
    /** How long WriteAll may take before the write falls back to a majority (a member died, not yet unreachable). */
    public static final Duration WRITE_ALL_TIMEOUT = Duration.ofSeconds(1);
    /** How often awaiting-up checks whether this node is Up and its replicator knows every Up member. */
    public static final Duration READY_POLL = Duration.ofMillis(50);
    /**
     * The start-up read of one key. Generous: every key read at once from a cluster holding a long list keeps a
     * small node busy for seconds, and a read that times out is work thrown away; a majority that is really
     * unreachable is retried as often either way.
     */
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    /** How long a failed read of one key waits before it is tried again. */
    public static final Duration READ_RETRY = Duration.ofMillis(200);

    /** Whether every member is reachable from this node: then a write goes to all (WriteAll). */
    public static boolean allReachable(Cluster cluster) {
        return !cluster.state().getUnreachable().iterator().hasNext();
    }

    /** How many members are Up: the replicas a start-up read must know of before a majority means one. */
    public static int upMembers(Cluster cluster) {
        int up = 0;
        for (Member m : cluster.state().getMembers()) {
            if (m.status() == MemberStatus.up()) {
                up++;
            }
        }
        return up;
    }
}
