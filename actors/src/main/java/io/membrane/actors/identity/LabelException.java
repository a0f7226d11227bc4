package io.membrane.actors.identity;

/**
 * A label or label set that can never name an identity, with the label it is about (as written), so that the API
 * can answer 400 naming it.
 */
public final class LabelException extends IllegalArgumentException {
    private final String label;

    public LabelException(String label, String message) {
        super(message + ": '" + label + "'");
        this.label = label;
    }

    /** The offending label as it was written (or the whole set, for a set-wide rule). */
    public String label() {
        return label;
    }
}
