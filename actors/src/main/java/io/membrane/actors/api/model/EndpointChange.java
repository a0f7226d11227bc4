package io.membrane.actors.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The body of PUT /v1/endpoint/{id}. {@code addressing.ipv4} absent: an address is allocated from the node's pod
 * CIDR. {@code sync}: the reply waits until the endpoint is ready (or failed, and then nothing of it is left).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EndpointChange(
        @JsonProperty("interface-name") String interfaceName,
        EndpointModel.Addressing addressing,
        List<String> labels,
        String mac,
        Boolean sync) {}
