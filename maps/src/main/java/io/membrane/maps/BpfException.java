package io.membrane.maps;

/**
 * A kernel call on a BPF object failed. It carries the errno (decoded and raw), the operation that failed
 * ("update", "pin", "create", ...) and the name of the map or program it was applied to, so a log line or an
 * HTTP error can say exactly what went wrong without a stack trace. This is the only exception the maps layer
 * throws for kernel failures; a missing key is not a failure and comes back as an empty {@code Optional}.
 */
public class BpfException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;
    private final int rawErrno;
    private final String operation;
    private final String objectName;

    public BpfException(int negativeReturnOrErrno, String operation, String objectName) {
        this(negativeReturnOrErrno, operation, objectName, null);
    }

    public BpfException(int negativeReturnOrErrno, String operation, String objectName, String detail) {
        super(format(negativeReturnOrErrno, operation, objectName, detail));
        this.rawErrno = Math.abs(negativeReturnOrErrno);
        this.errno = Errno.of(rawErrno);
        this.operation = operation;
        this.objectName = objectName;
    }

    private static String format(int code, String operation, String objectName, String detail) {
        return operation + " " + objectName + ": " + Errno.describe(code) + (detail == null ? "" : ": " + detail);
    }

    /** Turns a libbpf return value into this exception when it is negative; returns it otherwise. */
    public static int check(int ret, String operation, String objectName) {
        if (ret < 0) {
            throw new BpfException(ret, operation, objectName);
        }
        return ret;
    }

    public Errno errno() {
        return errno;
    }

    public int rawErrno() {
        return rawErrno;
    }

    public String operation() {
        return operation;
    }

    public String objectName() {
        return objectName;
    }
}
