package io.membrane.actors.api.model;

/** GET /v1/healthz: {@code ok} whenever the API answers. */
public record Health(String status) {}
