package io.membrane.actors;

import io.membrane.maps.BatchException;

/**
 * A kernel batch that a table (the ipcache's, the prefilter's) wrote part of: the change it stopped at, of the
 * table's own change type, and the kernel's refusal. Thrown from a table's batch writer and caught where the batch
 * began, which undoes what was written and turns it into the table's own error value; it never leaves the table.
 */
public final class KernelBatchRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Object change;
    private final BatchException refusal;

    public KernelBatchRefused(Object change, BatchException refusal) {
        super(refusal);
        this.change = change;
        this.refusal = refusal;
    }

    /** The change the batch stopped at, as the table's change type. */
    public <C> C change(Class<C> type) {
        return type.cast(change);
    }

    public BatchException refusal() {
        return refusal;
    }
}
