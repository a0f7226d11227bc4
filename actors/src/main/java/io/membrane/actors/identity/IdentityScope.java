package io.membrane.actors.identity;

import java.util.Locale;

/**
 * Which range a numeric identity is from, and so who gives it out: the agent itself, the same on every node
 * ({@code reserved}, 1..255); the cluster's one decider ({@code cluster}, 256..65535); or this node alone for a CIDR
 * of its policy ({@code local}, {@code 1<<24 | n}, never replicated).
 */
public enum IdentityScope {
    RESERVED,
    CLUSTER,
    LOCAL;

    public static final int MIN_CLUSTER = 256;
    public static final int MAX_CLUSTER = 65535;
    public static final int LOCAL_FLAG = 1 << 24;
    public static final int MAX_LOCAL = LOCAL_FLAG | 0xFFFFFF;

    /** As the API writes it: the name in lower case. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException for 0 (unknown) and numbers outside every range */
    public static IdentityScope of(int id) {
        if (id >= 1 && id < MIN_CLUSTER) {
            return RESERVED;
        }
        if (id >= MIN_CLUSTER && id <= MAX_CLUSTER) {
            return CLUSTER;
        }
        if ((id & LOCAL_FLAG) != 0 && id > LOCAL_FLAG && Integer.compareUnsigned(id, MAX_LOCAL) <= 0) {
            return LOCAL;
        }
        throw new IllegalArgumentException("no identity range holds " + Integer.toUnsignedString(id));
    }
}
