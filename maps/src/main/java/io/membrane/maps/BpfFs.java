package io.membrane.maps;

import io.membrane.maps.sys.NativeLibs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Makes sure a directory lies on a BPF filesystem, mounting one when needed: at /sys/fs/bpf when the
 * directory is below it (the convention bpftool and ip follow), otherwise on the directory itself. Pins on
 * any other filesystem fail with EPERM/EINVAL, and `ip netns exec` hides the host's bpffs, so this is checked
 * before every pin root is used.
 */
public final class BpfFs {
    /** BPF_FS_MAGIC from linux/magic.h. */
    static final long BPF_FS_MAGIC = 0xcafe4a11L;

    public static final Path DEFAULT_MOUNT = Path.of("/sys/fs/bpf");

    private BpfFs() {}

    /** Creates {@code dir} on a bpffs, mounting one if no ancestor is on bpffs. Returns the directory. */
    public static Path ensureDirectory(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !isBpfFs(existing)) {
            Path mountPoint = abs.startsWith(DEFAULT_MOUNT) ? DEFAULT_MOUNT : abs;
            mkdirs(mountPoint);
            if (!isBpfFs(mountPoint)) {
                mount(mountPoint);
            }
        }
        mkdirs(abs);
        return abs;
    }

    public static boolean isBpfFs(Path path) {
        Pointer buf = Memory.allocateDirect(NativeLibs.runtime(), 128);
        if (NativeLibs.libc().statfs(path.toString(), buf) != 0) {
            return false;
        }
        return (buf.getLong(0) & 0xffffffffL) == BPF_FS_MAGIC;
    }

    private static void mount(Path mountPoint) {
        int rc = NativeLibs.libc().mount("bpf", mountPoint.toString(), "bpf", 0, null);
        if (rc != 0) {
            throw new BpfException(NativeLibs.lastErrno(), "mount bpffs on", mountPoint.toString());
        }
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }
}
