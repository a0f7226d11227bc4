package io.membrane.actors.api.model;

/**
 * The reply of DELETE /v1/ip/{cidr}.
 *
 * @param deleted whether the cluster held an external entry for the CIDR (a second delete answers false)
 */
public record IpDeleted(String cidr, boolean deleted) {}
