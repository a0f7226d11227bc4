package io.membrane.bench.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.bench.BenchJson;
import io.membrane.bench.Machine;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench's output formats, without measuring anything: its BENCHMARKS.md section and the JSON line. */
class MapsBenchFormatTest {
    private static final Machine ENV = new Machine(LocalDate.of(2025, 1, 2), "6.18.0", 2, "1.1", "17");

    @Test
    void jsonLineHasTheRatiosAndTargets() {
        // 10,000 entries: ours 1,100 / 1,000 ns per op against C's 1,000 / 1,000, batch 2 ms against 10 ms.
        var f = new MapsBench.Figures(
                10_000, 15, 5, 11_000_000, 10_000_000, 2_000_000, 10_000_000, 10_000_000, 1_000_000);
        String json = f.json(ENV);
        assertFalse(json.contains("\n"));
        Map<String, Double> numbers = BenchJson.numbers(json);
        assertEquals(1.1, numbers.get("update_ratio_vs_c"));
        assertEquals(1.0, numbers.get("lookup_ratio_vs_c"));
        assertEquals(5.0, numbers.get("batch_update_speedup_vs_c_per_op"));
        assertEquals(1100.0, numbers.get("java_update_ns_per_op"));
        assertEquals(2.0, numbers.get("batch_ratio_vs_c_batch"));
        assertTrue(json.contains("\"update_target_met\":true,\"lookup_target_met\":true,\"batch_target_met\":true"));
        assertTrue(json.contains("\"kernel\":\"6.18.0\""));

        var slow = new MapsBench.Figures(
                10_000, 15, 5, 12_000_000, 10_000_000, 5_000_000, 10_000_000, 10_000_000, 1_000_000);
        assertTrue(slow.json(ENV)
                .contains("\"update_target_met\":false,\"lookup_target_met\":true," + "\"batch_target_met\":false"));
    }

    @Test
    void markdownTableHasOneRowPerFigure() {
        var f = new MapsBench.Figures(
                10_000, 15, 5, 11_000_000, 10_000_000, 2_000_000, 10_000_000, 10_000_000, 1_000_000);
        String md = f.markdown(ENV);
        assertTrue(md.contains("| figure | ours | baseline | ratio | target | met |"));
        assertTrue(
                md.contains("| update, per op (`put`, BPF_ANY) | 1,100 ns | 1,000 ns (`bpf_map_update_elem`) "
                        + "| 1.10 | ≤ 1.15 | yes |"),
                md);
        assertTrue(md.contains("| 5.0× speed-up | ≥ 3× | yes |"), md);
        assertTrue(md.contains("Linux 6.18.0, 2 CPUs"), md);
        assertEquals(
                4,
                md.lines()
                        .filter(l -> l.startsWith("| ") && !l.startsWith("| figure"))
                        .count());
    }
}
