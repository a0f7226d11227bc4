package io.membrane.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON line: one line, fields in order, whole numbers as integers, strings escaped; C lines read back. */
class BenchJsonTest {
    @Test
    void oneFlatLineInFieldOrderWithWholeNumbersAsIntegers() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("bench", "datapath");
        o.put("ratio", 1.25);
        o.put("ns", 112.0);
        o.put("count", 7L);
        o.put("met", true);
        assertEquals("{\"bench\":\"datapath\",\"ratio\":1.25,\"ns\":112,\"count\":7,\"met\":true}", BenchJson.line(o));
    }

    @Test
    void stringsAreEscapedSoTheLineParsesBackToTheSameValues() throws Exception {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("s", "a\"b\\c\nd");
        o.put("n", 1.5);
        String line = BenchJson.line(o);
        assertFalse(line.contains("\n"), line);
        assertEquals(Map.of("s", "a\"b\\c\nd", "n", 1.5), new ObjectMapper().readValue(line, Map.class));
    }

    @Test
    void numbersAreTheNumericFieldsOfACBaselinesLine() {
        Map<String, Double> n = BenchJson.numbers("{\"entries\":10000,\"update_ns_per_op\":101.5,\"lost\":-1,"
                + "\"big\":1.5e9,\"name\":\"x\",\"ok\":true}");
        assertEquals(Map.of("entries", 10_000.0, "update_ns_per_op", 101.5, "lost", -1.0, "big", 1.5e9), n);
        assertEquals(BenchJson.numbers(BenchJson.line(Map.of("a", 2.0))), Map.of("a", 2.0));
    }

    @Test
    void aLineThatIsNotAnObjectFailsTheBench() {
        assertThrows(BenchFailure.class, () -> BenchJson.numbers("maps_bench: bpf_map_create: EPERM"));
        assertThrows(BenchFailure.class, () -> BenchJson.numbers("[1, 2]"));
        assertThrows(BenchFailure.class, () -> BenchJson.numbers(""));
    }
}
