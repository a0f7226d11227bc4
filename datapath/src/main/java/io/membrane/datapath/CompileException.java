package io.membrane.datapath;

/** clang refused a program; the message carries the command and clang's stderr. */
public final class CompileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CompileException(String message) {
        super(message);
    }

    public CompileException(String message, Throwable cause) {
        super(message, cause);
    }
}
