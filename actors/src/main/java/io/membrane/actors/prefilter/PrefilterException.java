package io.membrane.actors.prefilter;

/**
 * A prefilter change was refused; nothing was applied. It carries the {@link Prefilter.Rejected} the actor answers
 * with (why and the value at fault), so the facts of a refusal have one type.
 */
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

    private final transient Prefilter.Rejected rejection;

    public PrefilterException(Reason reason, String offendingValue, String message) {
        super(message);
        this.rejection = new Prefilter.Rejected(reason, offendingValue, message);
    }

    /** The refusal as the prefilter answers it: why, the value at fault and this exception's message. */
    public Prefilter.Rejected rejection() {
        return rejection;
    }
}
