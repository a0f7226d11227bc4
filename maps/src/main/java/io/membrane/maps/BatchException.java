package io.membrane.maps;

/**
 * A batch operation stopped part-way. The kernel applied the first {@link #processed()} elements of the
 * batch, in order, and none after them; callers that need all-or-nothing undo those.
 */
public final class BatchException extends BpfException {
    private static final long serialVersionUID = 1L;

    private final int processed;

    public BatchException(int negativeReturn, String operation, String mapName, int processed) {
        super(negativeReturn, operation, mapName, processed + " element(s) applied before the failure");
        this.processed = processed;
    }

    public int processed() {
        return processed;
    }
}
