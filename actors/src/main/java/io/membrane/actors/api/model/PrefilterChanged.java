package io.membrane.actors.api.model;

/** The reply to an applied PATCH or DELETE /v1/prefilter: the new revision and how many entries changed. */
public record PrefilterChanged(long revision, int changed) {}
