package io.membrane.actors.endpoint;

/** A step of one endpoint's life failed; its actor is restarted by its supervisor, the others go on. */
public final class EndpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int endpointId;

    public EndpointException(int endpointId, String message, Throwable cause) {
        super("endpoint " + endpointId + ": " + message, cause);
        this.endpointId = endpointId;
    }

    public int endpointId() {
        return endpointId;
    }
}
