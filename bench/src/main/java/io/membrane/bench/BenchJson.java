package io.membrane.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one JSON line each bench prints last, and the JSON lines its C baselines print, through Jackson. Field
 * order is the map's; a whole-number double is written as an integer ({@code "ns":112}, not {@code 112.0}) so
 * the line reads like the table it summarizes.
 */
public final class BenchJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchJson() {}

    /** {@code fields} as one JSON object on one line. */
    public static String line(Map<String, ?> fields) {
        Map<String, Object> out = new LinkedHashMap<>();
        fields.forEach((k, v) -> out.put(
                k, v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) d.longValue() : v));
        try {
            return JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the bench's JSON line: " + e.getMessage(), e);
        }
    }

    /** The numeric fields of a JSON object, by name; a line that is not a JSON object is a failed bench. */
    public static Map<String, Double> numbers(String json) {
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new BenchFailure("not JSON: " + json);
        }
        if (tree == null || !tree.isObject()) {
            throw new BenchFailure("not a JSON object: " + json);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        tree.fields().forEachRemaining(f -> {
            if (f.getValue().isNumber()) {
                out.put(f.getKey(), f.getValue().doubleValue());
            }
        });
        return out;
    }
}
