package io.membrane.maps;

/** Something that owns a kernel file descriptor another BPF object can refer to: a map or a program. */
public interface FdOwner {
    int fd();

    /** The name used in errors and logs. */
    String name();
}
