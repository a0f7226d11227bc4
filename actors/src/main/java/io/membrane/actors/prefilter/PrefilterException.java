package io.membrane.actors.prefilter;

/** A prefilter change was refused; nothing was applied. Carries why and the value at fault. */
public final class PrefilterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a change was refused; the API maps each to a status code in one place. */
    public enum Reason {
        INVALID_CIDR,
        EMPTY,
        DUPLICATE,
        FAMILY_DISABLED,
        NOT_FOUND,
        STALE_REVISION,
        MAP_FULL,
        KERNEL,
        /** A replicated change was not confirmed by the required number of nodes in time. */
        NOT_CONFIRMED
    }

    private final Reason reason;
    private final String offendingValue;

    public PrefilterException(Reason reason, String offendingValue, String message) {
        super(message);
        this.reason = reason;
        this.offendingValue = offendingValue;
    }

    public Reason reason() {
        return reason;
    }

    public String offendingValue() {
        return offendingValue;
    }
}
