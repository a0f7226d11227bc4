package io.membrane.actors.identity;

/**
 * A label or label set that can never name an identity, with the label it is about (as written), so that the API
 * can answer 400 naming it.
 */
public final class LabelException extends IllegalArgumentException {
    private final String label;
    private final String reason;

    public LabelException(String label, String reason) {
        super(reason + ": '" + label + "'");
        this.label = label;
        this.reason = reason;
    }

    /** What is wrong, without the label. */
    public String reason() {
        return reason;
    }

    /** The offending label as it was written (or the whole set, for a set-wide rule). */
    public String label() {
        return label;
    }
}
