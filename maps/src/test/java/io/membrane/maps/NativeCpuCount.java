package io.membrane.maps;

import io.membrane.maps.sys.NativeLibs;

/** libbpf's own count of possible CPUs, to cross-check ours. */
final class NativeCpuCount {
    private NativeCpuCount() {}

    static int libbpf() {
        return NativeLibs.bpf().libbpf_num_possible_cpus();
    }
}
