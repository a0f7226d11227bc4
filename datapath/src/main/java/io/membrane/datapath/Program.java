package io.membrane.datapath;

import io.membrane.maps.FdOwner;

/**
 * A loaded BPF program of a {@link BpfObject}. Its file descriptor belongs to the object: it is valid until the
 * object is closed. What is attached to a device keeps its own reference in the kernel and outlives both.
 */
public record Program(String name, int fd, int type) implements FdOwner {
    /** BPF_PROG_TYPE_SCHED_CLS (tc). */
    public static final int TYPE_SCHED_CLS = 3;
    /** BPF_PROG_TYPE_XDP. */
    public static final int TYPE_XDP = 6;
}
