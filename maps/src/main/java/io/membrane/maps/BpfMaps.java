package io.membrane.maps;

import io.membrane.maps.sys.NativeLibs;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Pointer;

/**
 * Creates maps in the kernel from their specs. Most callers want {@link PinnedMaps#openOrCreate}; this is for
 * maps that live only as long as their owner (inner maps, test fixtures, benchmarks).
 */
public final class BpfMaps {
    /** sizeof(struct bpf_map_create_opts) in libbpf 1.1, tail padding included. */
    private static final int CREATE_OPTS_SIZE = 48;
    /** The kernel keeps BPF_OBJ_NAME_LEN - 1 characters of a map's name; the pin path keeps the whole name. */
    private static final int KERNEL_NAME_MAX = 15;

    private BpfMaps() {
    }

    /** Creates an unpinned map; closing it frees it unless a program or another map still holds it. */
    public static <M extends BpfMap<?, ?>> M create(MapSpec<M> spec) {
        return spec.open(createFd(spec));
    }

    static int createFd(MapSpec<?> spec) {
        ByteBuffer opts = ByteBuffer.allocateDirect(CREATE_OPTS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        opts.putLong(0, CREATE_OPTS_SIZE);
        opts.putInt(28, spec.flags());
        BpfMap<?, ?> template = null;
        try {
            if (spec.innerMap() != null) {
                // The kernel only needs a map of the inner shape while creating the outer map, as a template.
                template = create(spec.innerMap());
                opts.putInt(24, template.fd());
            }
            String kernelName = spec.name().length() > KERNEL_NAME_MAX
                    ? spec.name().substring(0, KERNEL_NAME_MAX) : spec.name();
            int fd = NativeLibs.bpf().bpf_map_create(spec.type().kernelId(), kernelName, spec.keySize(),
                    spec.valueSize(), spec.maxEntries(), Pointer.wrap(NativeLibs.runtime(), opts));
            Reference.reachabilityFence(opts);
            return BpfException.check(fd, "create", spec.name());
        } finally {
            if (template != null) {
                template.close();
            }
        }
    }
}
