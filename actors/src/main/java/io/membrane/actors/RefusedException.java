package io.membrane.actors;

/**
 * A request refused before anything changed, naming the value at fault (a CIDR, an address, a label) so that the API
 * can answer 4xx naming it. Each subclass says why with its own reasons.
 */
public abstract class RefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String offendingValue;

    protected RefusedException(String offendingValue, String message) {
        super(message);
        this.offendingValue = offendingValue;
    }

    public String offendingValue() {
        return offendingValue;
    }
}
