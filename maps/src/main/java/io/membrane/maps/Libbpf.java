package io.membrane.maps;

import io.membrane.maps.sys.NativeLibs;

/**
 * What code outside the maps layer may know about the loaded libbpf itself (benchmark reports print its
 * version) without reaching into the raw bindings of {@code io.membrane.maps.sys}, which stay behind the typed
 * owners of maps and programs.
 */
public final class Libbpf {
    private Libbpf() {}

    /** "major.minor" of the libbpf this JVM loaded. */
    public static String version() {
        return NativeLibs.libbpfVersion();
    }
}
