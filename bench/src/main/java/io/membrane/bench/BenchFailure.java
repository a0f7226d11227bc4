package io.membrane.bench;

/**
 * A reason a bench cannot run, or measured something other than it claims, said in one line: its main prints
 * the message and exits non-zero instead of writing figures.
 */
public final class BenchFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BenchFailure(String message) {
        super(message);
    }
}
