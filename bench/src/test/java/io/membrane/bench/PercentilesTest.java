package io.membrane.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PercentilesTest {
    @Test
    void nearestRankPicksAMeasuredSample() {
        double[] v = new double[100];
        for (int i = 0; i < 100; i++) {
            v[i] = 100 - i; // unsorted on purpose: 100, 99, ..., 1
        }
        assertEquals(50, Percentiles.of(v, 50));
        assertEquals(99, Percentiles.of(v, 99));
        assertEquals(100, Percentiles.of(v, 100));
        assertEquals(1, Percentiles.of(v, 0.5));
        assertEquals(100, v[0], "the input is left as it was");
    }

    @Test
    void smallSamplesAndBadArguments() {
        assertEquals(7, Percentiles.of(new double[] {7}, 99));
        assertEquals(3, Percentiles.of(new double[] {1, 3}, 99));
        assertEquals(1, Percentiles.of(new double[] {1, 3}, 50));
        assertThrows(IllegalArgumentException.class, () -> Percentiles.of(new double[0], 50));
        assertThrows(IllegalArgumentException.class, () -> Percentiles.of(new double[] {1}, 0));
        assertThrows(IllegalArgumentException.class, () -> Percentiles.of(new double[] {1}, 101));
    }
}
