package io.membrane.actors.api.model;

/**
 * The reply of PATCH /v1/ip: how many external entries were published (every one of the request, or the request
 * was refused and none was).
 */
public record IpBatchApplied(int published) {}
