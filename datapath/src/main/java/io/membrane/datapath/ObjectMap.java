package io.membrane.datapath;

/** A map as an ELF object defines it, before load: what the C side expects the agent's map to be. */
public record ObjectMap(String name, int type, int keySize, int valueSize, int maxEntries, int flags) {
    /** libbpf's internal maps for global data (.rodata, .bss, .data, .kconfig): never the agent's. */
    public boolean isInternal() {
        return name.startsWith(".")
                || name.contains(".rodata")
                || name.contains(".bss")
                || name.contains(".data")
                || name.contains(".kconfig");
    }
}
