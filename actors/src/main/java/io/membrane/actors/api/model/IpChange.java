package io.membrane.actors.api.model;

import java.util.List;

/**
 * The body of PUT /v1/ip/{cidr}: the labels of the workload behind the CIDR ({@code app=db}, {@code user:env=prod});
 * at least one, no {@code reserved:} label.
 */
public record IpChange(List<String> labels) {}
