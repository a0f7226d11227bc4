package io.membrane.actors.api.model;

import java.util.List;

/**
 * GET /v1/prefilter: the deny list, IPv4 first, at its revision.
 *
 * @param deny    the CIDRs, canonical text
 * @param entries the same CIDRs with the scopes that hold each
 */
public record PrefilterState(long revision, List<String> deny, List<Entry> entries) {
    /** One CIDR and the scopes ({@code node}, {@code cluster}) holding it, sorted. */
    public record Entry(String cidr, List<String> scope) {}
}
