package io.membrane.actors.ipcache;

import io.membrane.actors.RefusedException;

/** An ipcache change was refused; nothing was applied. Carries why and the value at fault. */
public final class IpCacheException extends RefusedException {
    private static final long serialVersionUID = 1L;

    /** Why a change was refused; the API maps each to a status code in one place. */
    public enum Reason {
        /** A CIDR that cannot be an ipcache key: host bits set, a bad prefix length, a reserved prefix. */
        INVALID_CIDR,
        /** Labels that cannot name an identity, or an entry that names none. */
        INVALID_ENTRY,
        /** No identity could be had for the labels in time (no decider answered). */
        IDENTITY_UNAVAILABLE,
        /** A cluster-wide change was not confirmed by a majority in time. */
        NOT_CONFIRMED,
        MAP_FULL,
        KERNEL
    }

    private final Reason reason;

    public IpCacheException(Reason reason, String offendingValue, String message) {
        super(offendingValue, message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
