package io.membrane.datapath.net;

import io.membrane.maps.Errno;

/**
 * Entering a network namespace failed: the namespace file could not be opened (ENOENT: no such namespace) or
 * setns(2) refused it (EPERM: not root). It carries the errno, the operation and the namespace, as
 * {@link io.membrane.maps.BpfException} does for BPF objects; a namespace is not a BPF object, so it has its own
 * type and callers can tell "no such namespace" from a kernel refusal of a map or program.
 */
public final class NetnsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int rawErrno;
    private final String operation;
    private final String namespace;

    public NetnsException(int errnoOrNegativeReturn, String operation, String namespace) {
        super(operation + " " + Netns.path(namespace) + ": " + Errno.describe(errnoOrNegativeReturn));
        this.rawErrno = Math.abs(errnoOrNegativeReturn);
        this.operation = operation;
        this.namespace = namespace;
    }

    public Errno errno() {
        return Errno.of(rawErrno);
    }

    public int rawErrno() {
        return rawErrno;
    }

    /** "open" (the namespace file under /run/netns) or "setns". */
    public String operation() {
        return operation;
    }

    public String namespace() {
        return namespace;
    }
}
