package io.membrane.actors.api;

import io.membrane.actors.api.model.ApiError;

/** A request refused before it reached an actor: thrown inside a route, answered with its status and body. */
final class Refusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient ApiError body;

    Refusal(int status, String error, String field, String value) {
        super(error);
        this.status = status;
        this.body = new ApiError(error, field, value);
    }

    int status() {
        return status;
    }

    ApiError body() {
        return body;
    }
}
