package io.membrane.actors.api.model;

import java.util.List;

/**
 * The body of PATCH /v1/ip: many external entries at once, all or nothing; each as PUT /v1/ip/{cidr} takes one.
 */
public record IpBatch(List<Entry> entries) {
    public record Entry(String cidr, List<String> labels) {}
}
