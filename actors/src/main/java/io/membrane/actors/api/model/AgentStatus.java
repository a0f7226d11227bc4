package io.membrane.actors.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * GET /v1/status: the prefilter's devices, the event pump, the maps, the deny list and the endpoints by state (absent
 * on a node without a pod CIDR), in one reply.
 */
public record AgentStatus(
        List<Device> devices,
        EventCounters events,
        List<MapInfo> maps,
        PrefilterSummary prefilter,
        @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Integer> endpoints) {
    /**
     * The prefilter on one device. {@code mode} and {@code programId} are there while a program is attached,
     * {@code error} after a failed attempt, {@code compileCacheHit} once a compile was needed.
     *
     * @param state attaching, attached, failed or detached
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Device(
            int attempts,
            Boolean compileCacheHit,
            String device,
            String error,
            String mode,
            Integer programId,
            String state) {}

    /** The deny list's revision and size. */
    public record PrefilterSummary(long revision, int entries) {}

    /**
     * The event pump's counters since the agent started; while the pump does not run, only {@code running =
     * false}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EventCounters(
            Boolean running,
            Long samples,
            Long drops,
            @JsonProperty("policy_verdicts") Long policyVerdicts,
            Long unknown,
            @JsonProperty("decode_errors") Long decodeErrors,
            Long lost,
            Long listeners,
            @JsonProperty("listeners_dropped") Long listenersDropped) {}
}
