package io.membrane.actors.identity;

import java.util.Optional;

/**
 * The identities every node knows without asking: Cilium's numbers and names, so that a Cilium user reads
 * {@code 2 reserved:world} the same way. The datapath uses HOST and WORLD itself ({@code IDENTITY_HOST},
 * {@code IDENTITY_WORLD} in {@code bpf/lib/common.h}; a test checks they agree).
 */
public enum ReservedIdentity {
    HOST(1, "host"),
    WORLD(2, "world"),
    UNMANAGED(3, "unmanaged"),
    HEALTH(4, "health"),
    INIT(5, "init"),
    REMOTE_NODE(6, "remote-node");

    private final int id;
    private final Identity identity;

    ReservedIdentity(int id, String name) {
        this.id = id;
        this.identity = new Identity(id, LabelSet.of(Label.reserved(name)));
    }

    public int id() {
        return id;
    }

    public Identity identity() {
        return identity;
    }

    public static Optional<ReservedIdentity> byId(int id) {
        for (ReservedIdentity r : values()) {
            if (r.id == id) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    public static Optional<ReservedIdentity> byLabels(LabelSet labels) {
        for (ReservedIdentity r : values()) {
            if (r.identity.labels().equals(labels)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
