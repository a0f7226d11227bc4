package io.membrane.datapath.structs;

/**
 * A slot of the metrics map: (reason, direction). The map is a per-CPU array and the slot index is
 * {@code direction << 8 | reason}, as {@code metrics_index()} in bpf/lib/metrics.h computes it. The raw reason
 * code is kept so that a code this agent does not know still shows up in metrics.
 */
public record MetricsKey(int reasonCode, Direction direction) {
    /** Slots the map needs: four directions of 256 reasons. */
    public static final int SLOTS = 4 << 8;

    public MetricsKey(DropReason reason, Direction direction) {
        this(reason.code(), direction);
    }

    public MetricsKey {
        if (reasonCode < 0 || reasonCode > 255) {
            throw new IllegalArgumentException("reason code " + reasonCode + " is not 0..255");
        }
    }

    public DropReason reason() {
        return DropReason.of(reasonCode);
    }

    /** The array slot of this key. */
    public int index() {
        return (direction.code() & 3) << 8 | reasonCode;
    }

    public static MetricsKey ofIndex(int index) {
        return new MetricsKey(index & 0xff, Direction.of(index >>> 8 & 3));
    }
}
