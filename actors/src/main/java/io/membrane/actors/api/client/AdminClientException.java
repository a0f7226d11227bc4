package io.membrane.actors.api.client;

/**
 * A call of {@link AdminClient} that did not return its record: the agent refused it ({@link AdminApiException})
 * or could not be reached ({@link AdminUnreachableException}).
 */
public abstract class AdminClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AdminClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
