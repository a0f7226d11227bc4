package io.membrane.maps.sys;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.annotations.Variadic;

/**
 * The few libc calls that libbpf has no wrapper for. These return -1 and set errno, which JNR saves per
 * thread ({@link SaveError}); read it with {@link NativeLibs#lastErrno()} right after a failed call only.
 */
@SaveError
public interface LibC {
    int close(int fd);

    int statfs(String path, Pointer buf);

    int mount(String source, String target, String fsType, long flags, Pointer data);

    @Variadic(fixedCount = 1)
    long syscall(long number, Pointer attr, int pid, int cpu, int groupFd, long flags);

    int if_nametoindex(String name);

    int setns(int fd, int nsType);

    int vsnprintf(Pointer buf, @jnr.ffi.types.size_t long size, Pointer format, Pointer args);

    int open(String path, int flags);
}
