package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;

/**
 * Mirrors {@code struct lpm_val}: {@code __u8 flags;} (1 B), the value of all four CIDR maps. The datapath
 * drops on the key's presence alone; the other bits are the agent's own bookkeeping kept in the pinned map —
 * which scopes put the entry there — so that a restarted agent knows a node-scoped entry from a cluster-scoped
 * one without any file of its own.
 */
public record PrefilterFlag(int flags) {
    public static final int F_DENY = 1;
    public static final int F_SCOPE_NODE = 2;
    public static final int F_SCOPE_CLUSTER = 4;

    /** A plain deny entry (no scope bits: read back as node-scoped). */
    public static final PrefilterFlag DENY = new PrefilterFlag(F_DENY);

    public static final Layout<PrefilterFlag> LAYOUT = Layout.<PrefilterFlag>struct("lpm_val")
            .u8("flags", PrefilterFlag::flags)
            .build(m -> new PrefilterFlag(m.u8("flags")));

    public static PrefilterFlag of(boolean node, boolean cluster) {
        return new PrefilterFlag(F_DENY | (node ? F_SCOPE_NODE : 0) | (cluster ? F_SCOPE_CLUSTER : 0));
    }

    /** Entries written without scope bits (by hand, or by an older agent) count as node-scoped. */
    public boolean nodeScoped() {
        return (flags & F_SCOPE_NODE) != 0 || (flags & (F_SCOPE_NODE | F_SCOPE_CLUSTER)) == 0;
    }

    public boolean clusterScoped() {
        return (flags & F_SCOPE_CLUSTER) != 0;
    }
}
