package io.membrane.bench;

import java.util.Arrays;
import java.util.Collection;

/**
 * The summary figures every bench reports: medians over rounds (the middle of an even count is the mean of the
 * two middle samples), each round's ratio of a candidate to its baseline, the range of those ratios, and
 * rounding for the JSON line. {@link Percentiles} is the nearest-rank counterpart for latency distributions.
 */
public final class Stats {
    private Stats() {}

    /** The median of {@code values}; NaN when there are none (a bench part that did not run). */
    public static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    public static double median(Collection<? extends Number> values) {
        return median(values.stream().mapToDouble(Number::doubleValue).toArray());
    }

    /** {@code a[i] / b[i]} for each round: a candidate against the baseline measured in the same round. */
    public static double[] ratios(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("rounds differ: " + a.length + " against " + b.length);
        }
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / b[i];
        }
        return r;
    }

    /** {min, max} of {@code values}; NaNs when there are none. */
    public static double[] range(double[] values) {
        return new double[] {
            Arrays.stream(values).min().orElse(Double.NaN),
            Arrays.stream(values).max().orElse(Double.NaN)
        };
    }

    /** {@code v} rounded to {@code digits} decimals (half up), for figures in a JSON line. */
    public static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }
}
