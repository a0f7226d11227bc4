package io.membrane.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Medians, per-round ratios and their range, rounding, round order and the "measured on" line. */
class StatsTest {
    @Test
    void medianOfOddAndEvenCountsAndOfNone() {
        assertEquals(3.0, Stats.median(new double[] {5, 1, 3}));
        assertEquals(2.5, Stats.median(new double[] {4, 1, 3, 2}));
        assertEquals(2.5, Stats.median(List.of(4, 1, 3, 2)));
        assertTrue(Double.isNaN(Stats.median(new double[0])));
        double[] untouched = {3, 1, 2};
        Stats.median(untouched);
        assertArrayEquals(new double[] {3, 1, 2}, untouched);
    }

    @Test
    void ratiosArePerRoundAndTheirRangeIsMinAndMax() {
        double[] r = Stats.ratios(new double[] {2, 9, 4}, new double[] {1, 3, 4});
        assertArrayEquals(new double[] {2, 3, 1}, r);
        assertArrayEquals(new double[] {1, 3}, Stats.range(r));
        assertThrows(IllegalArgumentException.class, () -> Stats.ratios(new double[2], new double[3]));
        assertTrue(Double.isNaN(Stats.range(new double[0])[0]));
    }

    @Test
    void roundsHalfUpToTheDigitsAsked() {
        assertEquals(1.13, Stats.round(1.125, 2));
        assertEquals(1.1, Stats.round(1.1449, 1));
        assertEquals(12.0, Stats.round(11.5, 0));
    }

    @Test
    void roundOrderAlternates() {
        assertEquals(List.of("c", "java"), RoundOrder.of(List.of("c", "java"), 0));
        assertEquals(List.of("java", "c"), RoundOrder.of(List.of("c", "java"), 1));
        assertEquals(List.of("a", "b", "c"), RoundOrder.of(List.of("a", "b", "c"), 2));
        assertTrue(RoundOrder.firstGoesFirst(0) && !RoundOrder.firstGoesFirst(1));
    }

    @Test
    void machineSaysWhereFiguresWereMeasured() {
        Machine m = new Machine(LocalDate.of(2026, 11, 26), "6.18.0", 2, "1.1", "17.0.15");
        assertEquals(
                "Measured 2026-11-26 on Linux 6.18.0, 2 CPUs, libbpf 1.1, JDK 17.0.15, gcc 12.2.0",
                m.measured("gcc 12.2.0"));
        Map<String, Object> json = new LinkedHashMap<>();
        m.describe(json);
        assertEquals(Map.of("date", "2026-11-26", "kernel", "6.18.0", "cpus", 2), json);
    }
}
