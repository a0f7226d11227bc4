package io.membrane.actors.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * GET /v1/map/{name}: a map's decoded entries, or for a map user space cannot read ({@code perf_event_array}) a
 * note saying so instead of {@code maxEntries} and {@code entries}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MapDump(List<Entry> entries, Integer maxEntries, String name, String type, String note) {
    /**
     * One entry: key and value decoded — a prefix as CIDR text, a struct as an object of its fields, a per-CPU
     * value as a list with one element per CPU.
     */
    public record Entry(JsonNode key, JsonNode value) {}
}
