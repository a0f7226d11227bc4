package io.membrane.maps;

import io.membrane.maps.sys.NativeLibs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Pointer;

/**
 * Makes pinned maps the way the version before kernel names and BTF did: the spec's name cut to 15 characters
 * as the kernel name, no BTF, the same shape. Migration tests start from these.
 */
public final class PreviousVersion {
    private PreviousVersion() {}

    /** Creates and pins the map of {@code spec} as the previous version would have; returns it, open. */
    public static <M extends BpfMap<?, ?>> M createPinned(PinnedMaps pins, MapSpec<M> spec) {
        ByteBuffer opts = ByteBuffer.allocateDirect(48).order(ByteOrder.LITTLE_ENDIAN);
        opts.putLong(0, 48).putInt(28, spec.flags());
        String cut = spec.name().length() > 15 ? spec.name().substring(0, 15) : spec.name();
        int fd = BpfException.check(
                NativeLibs.bpf()
                        .bpf_map_create(
                                spec.type().code(),
                                cut,
                                spec.keySize(),
                                spec.valueSize(),
                                spec.maxEntries(),
                                Pointer.wrap(NativeLibs.runtime(), opts)),
                "create",
                cut);
        M map = spec.open(fd);
        map.pin(pins.pathOf(spec).toString());
        return map;
    }
}
