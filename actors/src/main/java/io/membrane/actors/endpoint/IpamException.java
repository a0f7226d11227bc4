package io.membrane.actors.endpoint;

import io.membrane.actors.RefusedException;

/** An address could not be given or the pool not opened; nothing changed. Carries why and the value at fault. */
public final class IpamException extends RefusedException {
    private static final long serialVersionUID = 1L;

    /** Why; the API maps each to a status code in one place. */
    public enum Reason {
        /** The pod CIDR cannot be a pool (too small), or is not the one the node's endpoints were given. */
        BAD_POOL,
        /** An address outside the node's pod CIDR. */
        OUTSIDE_POOL,
        /** The network, gateway or broadcast address. */
        RESERVED,
        /** An address another endpoint holds. */
        IN_USE,
        /** Every address of the pool is held. */
        EXHAUSTED,
        /** The state file cannot be read, parsed or written. */
        STATE
    }

    private final Reason reason;

    public IpamException(Reason reason, String offendingValue, String message) {
        super(offendingValue, message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
