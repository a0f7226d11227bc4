package io.membrane.bench;

import java.util.Arrays;

/**
 * Percentiles of a benchmark's samples by the nearest-rank method: p99 of 100 samples is the 99th smallest, a
 * value that was really measured (no interpolation between two samples that both happened).
 */
public final class Percentiles {
    private Percentiles() {}

    /** The {@code p}-th percentile (0 &lt; p ≤ 100) of {@code values}, which must not be empty. */
    public static double of(double[] values, double p) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], was " + p);
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
