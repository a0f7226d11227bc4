package io.membrane.cluster.wire;

import java.util.Objects;

/**
 * The answer to a {@link ForwardedPrefilterChange}.
 *
 * @param requestId the request id of the change
 * @param status    an HTTP status code, as the admin API would have answered locally
 * @param body      the response body (JSON text)
 */
public record ForwardedPrefilterResult(long requestId, int status, String body) implements WireMessage {
    public ForwardedPrefilterResult {
        Objects.requireNonNull(body, "body");
    }
}
