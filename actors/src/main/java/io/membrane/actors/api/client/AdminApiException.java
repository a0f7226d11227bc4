package io.membrane.actors.api.client;

import io.membrane.actors.api.model.ApiError;

/**
 * The agent answered, and refused or failed: the HTTP status and the API's own error body. A reply that was
 * not the JSON the API promises comes here too, its {@link #error()} saying so.
 */
public final class AdminApiException extends AdminClientException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final transient ApiError error;

    public AdminApiException(int status, ApiError error) {
        super(error.oneLine(), null);
        this.status = status;
        this.error = error;
    }

    public int status() {
        return status;
    }

    public ApiError error() {
        return error;
    }
}
