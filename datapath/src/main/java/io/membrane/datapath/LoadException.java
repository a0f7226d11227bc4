package io.membrane.datapath;

import io.membrane.maps.Errno;
import java.util.Optional;

/**
 * An object could not be opened, bound or loaded. The message names the object, and the map and field or the
 * program at fault; for a verifier refusal it carries the end of libbpf's log. When libbpf reported the failure
 * with an errno (open, bind, load), the exception carries it, so a caller can tell EPERM (not root, no
 * CAP_BPF) from EACCES or EINVAL (the verifier said no) without reading the message.
 */
public final class LoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String objectName;
    private final int rawErrno;

    public LoadException(String objectName, String message) {
        this(objectName, 0, message, null);
    }

    public LoadException(String objectName, String message, Throwable cause) {
        this(objectName, 0, message, cause);
    }

    /**
     * @param negativeReturnOrErrno what libbpf returned (or the errno it left); its name is added to the message
     */
    public LoadException(String objectName, int negativeReturnOrErrno, String message) {
        this(objectName, negativeReturnOrErrno, message, null);
    }

    private LoadException(String objectName, int negativeReturnOrErrno, String message, Throwable cause) {
        super(objectName + ": " + withErrno(message, negativeReturnOrErrno), cause);
        this.objectName = objectName;
        this.rawErrno = Math.abs(negativeReturnOrErrno);
    }

    /** The errno goes right after the first line, before any log tail that follows it. */
    private static String withErrno(String message, int code) {
        if (code == 0) {
            return message;
        }
        int newline = message.indexOf('\n');
        String first = newline < 0 ? message : message.substring(0, newline);
        String rest = newline < 0 ? "" : message.substring(newline);
        return first + ": " + Errno.describe(code) + (rest.isBlank() ? "" : rest);
    }

    public String objectName() {
        return objectName;
    }

    /** The errno libbpf reported, or empty when the failure was found on the Java side (a layout mismatch). */
    public Optional<Errno> errno() {
        return rawErrno == 0 ? Optional.empty() : Optional.of(Errno.of(rawErrno));
    }

    /** The errno as a number (0 when there is none), for values {@link Errno} does not name. */
    public int rawErrno() {
        return rawErrno;
    }
}
