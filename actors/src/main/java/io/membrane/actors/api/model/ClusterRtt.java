package io.membrane.actors.api.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * GET /v1/cluster/rtt: round trips from this node to another over Artery, one plain message and its answer at a
 * time (the floor of every request that crosses the cluster), in microseconds.
 *
 * @param node      the other node's name in the registry
 * @param address   its Pekko address
 * @param samplesUs every round trip, in the order measured
 */
public record ClusterRtt(
        String node,
        String address,
        int count,
        @JsonProperty("p50-us") double p50Us,
        @JsonProperty("p99-us") double p99Us,
        @JsonProperty("max-us") double maxUs,
        @JsonProperty("samples-us") List<Double> samplesUs) {}
