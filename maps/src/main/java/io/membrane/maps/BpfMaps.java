package io.membrane.maps;

import io.membrane.maps.sys.NativeLibs;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;

/**
 * Creates maps in the kernel from their specs. Most callers want {@link PinnedMaps#openOrCreate}; this is for
 * maps that live only as long as their owner (inner maps, test fixtures, benchmarks). Every map of a type that
 * takes BTF is created with the BTF of its key and value layouts ({@link LayoutBtf}), so that bpftool prints
 * its entries by member name.
 */
public final class BpfMaps {
    /** sizeof(struct bpf_map_create_opts) in libbpf 1.1, tail padding included. */
    private static final int CREATE_OPTS_SIZE = 48;
    /** sizeof(struct bpf_btf_load_opts) in libbpf 1.1: sz, log_buf, log_level, log_size. */
    private static final int BTF_LOAD_OPTS_SIZE = 24;

    private static final int BTF_LOG_SIZE = 16 * 1024;

    private BpfMaps() {}

    /** Creates an unpinned map; closing it frees it unless a program or another map still holds it. */
    public static <M extends BpfMap<?, ?>> M create(MapSpec<M> spec) {
        return spec.open(createFd(spec));
    }

    static int createFd(MapSpec<?> spec) {
        ByteBuffer opts = ByteBuffer.allocateDirect(CREATE_OPTS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        opts.putLong(0, CREATE_OPTS_SIZE);
        opts.putInt(28, spec.flags());
        BpfMap<?, ?> template = null;
        int btfFd = -1;
        try {
            if (spec.innerMap() != null) {
                // The kernel only needs a map of the inner shape while creating the outer map, as a template.
                template = create(spec.innerMap());
                opts.putInt(24, template.fd());
            }
            if (spec.type().carriesBtf()) {
                LayoutBtf.Blob btf = LayoutBtf.of(spec.keyLayout(), spec.valueLayout());
                btfFd = loadBtf(btf.bytes(), spec.name());
                opts.putInt(8, btfFd).putInt(12, btf.keyTypeId()).putInt(16, btf.valueTypeId());
            }
            int fd = NativeLibs.bpf()
                    .bpf_map_create(
                            spec.type().code(),
                            spec.kernelName(),
                            spec.keySize(),
                            spec.valueSize(),
                            spec.maxEntries(),
                            Pointer.wrap(NativeLibs.runtime(), opts));
            Reference.reachabilityFence(opts);
            return BpfException.check(fd, "create", spec.name());
        } finally {
            if (btfFd >= 0) {
                NativeLibs.libc().close(btfFd); // the map keeps its own reference to the BTF
            }
            if (template != null) {
                template.close();
            }
        }
    }

    /** Loads raw BTF; a refusal is retried once with the kernel's log, which the exception then carries. */
    private static int loadBtf(byte[] blob, String mapName) {
        ByteBuffer data =
                ByteBuffer.allocateDirect(blob.length).put(0, blob); // absolute: Pointer.wrap starts at the position
        Pointer dataPtr = Pointer.wrap(NativeLibs.runtime(), data);
        int fd = NativeLibs.bpf().bpf_btf_load(dataPtr, blob.length, null);
        if (fd >= 0) {
            return fd;
        }
        ByteBuffer log = ByteBuffer.allocateDirect(BTF_LOG_SIZE);
        ByteBuffer opts = ByteBuffer.allocateDirect(BTF_LOAD_OPTS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        opts.putLong(0, BTF_LOAD_OPTS_SIZE)
                .putLong(8, Pointer.wrap(NativeLibs.runtime(), log).address())
                .putInt(16, 1)
                .putInt(20, BTF_LOG_SIZE);
        int again = NativeLibs.bpf().bpf_btf_load(dataPtr, blob.length, Pointer.wrap(NativeLibs.runtime(), opts));
        Reference.reachabilityFence(log);
        Reference.reachabilityFence(data);
        if (again >= 0) {
            return again;
        }
        byte[] text = new byte[BTF_LOG_SIZE];
        log.get(0, text);
        int n = 0;
        while (n < text.length && text[n] != 0) {
            n++;
        }
        throw new BpfException(fd, "load BTF of", mapName, new String(text, 0, n, StandardCharsets.US_ASCII).strip());
    }
}
