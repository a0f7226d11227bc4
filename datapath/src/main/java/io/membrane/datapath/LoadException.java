package io.membrane.datapath;

/**
 * An object could not be opened, bound or loaded. The message names the object, and the map and field or the
 * program at fault; for a verifier refusal it carries the end of libbpf's log.
 */
public final class LoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String objectName;

    public LoadException(String objectName, String message) {
        super(objectName + ": " + message);
        this.objectName = objectName;
    }

    public LoadException(String objectName, String message, Throwable cause) {
        super(objectName + ": " + message, cause);
        this.objectName = objectName;
    }

    public String objectName() {
        return objectName;
    }
}
