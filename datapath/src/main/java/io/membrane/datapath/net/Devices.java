package io.membrane.datapath.net;

import io.membrane.maps.sys.NativeLibs;
import java.util.OptionalInt;

/** Network devices of the calling thread's namespace, by name. */
public final class Devices {
    private Devices() {}

    /** The interface index of {@code name} in this thread's network namespace, or empty if there is none. */
    public static OptionalInt ifindex(String name) {
        int idx = NativeLibs.libc().if_nametoindex(name);
        return idx == 0 ? OptionalInt.empty() : OptionalInt.of(idx);
    }

    public static int require(String name) {
        return ifindex(name).orElseThrow(() -> new IllegalArgumentException("no network device " + name));
    }
}
