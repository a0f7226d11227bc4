package io.membrane.actors.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One endpoint as GET /v1/endpoint/{id} shows it, in the shape of Cilium's endpoint model cut to what this agent
 * has. Until policy exists no rule selects an endpoint: its policy map allows everything, enforcement is {@code
 * disabled} both ways and both revisions are 0.
 *
 * @param identity 0 while the endpoint has none yet
 * @param health {@code OK} when ready, {@code Pending} while it gets there, {@code Warning} after a failure it
 *     recovers from (the message says which)
 */
public record EndpointModel(
        int id,
        String state,
        long identity,
        List<String> labels,
        Addressing addressing,
        @JsonProperty("interface-name") String interfaceName,
        @JsonProperty("interface-index") int interfaceIndex,
        @JsonInclude(JsonInclude.Include.NON_NULL) String mac,
        Policy policy,
        Health health) {
    public EndpointModel {
        labels = List.copyOf(labels);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Addressing(String ipv4, String ipv6) {}

    public record Policy(
            @JsonProperty("revision-desired") long revisionDesired,
            @JsonProperty("revision-realized") long revisionRealized,
            @JsonProperty("ingress-enforcement") String ingressEnforcement,
            @JsonProperty("egress-enforcement") String egressEnforcement) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Health(String overall, String message) {}

    /** One entry of GET /v1/endpoint/{id}/log, oldest first. */
    public record LogEntry(String timestamp, String state, String message) {}
}
