package io.membrane.maps;

/** The kernel's {@code enum bpf_map_type} values for the map types Membrane uses. */
public enum MapType implements Coded {
    HASH(1),
    ARRAY(2),
    PROG_ARRAY(3),
    PERF_EVENT_ARRAY(4),
    PERCPU_HASH(5),
    PERCPU_ARRAY(6),
    LRU_HASH(9),
    LPM_TRIE(11),
    HASH_OF_MAPS(13);

    private final int code;

    MapType(int code) {
        this.code = code;
    }

    /** The kernel's {@code enum bpf_map_type} value. */
    @Override
    public int code() {
        return code;
    }

    public boolean isPerCpu() {
        return this == PERCPU_HASH || this == PERCPU_ARRAY;
    }

    /**
     * Whether maps of this type take BTF for their key and value. The fd-holding types (program and perf event
     * arrays, maps of maps) refuse it: their values are file descriptors, not data.
     */
    public boolean carriesBtf() {
        return switch (this) {
            case HASH, ARRAY, PERCPU_HASH, PERCPU_ARRAY, LRU_HASH, LPM_TRIE -> true;
            case PROG_ARRAY, PERF_EVENT_ARRAY, HASH_OF_MAPS -> false;
        };
    }

    /** Array-like maps have every index from 0 to max_entries - 1 and cannot delete. */
    public boolean isArray() {
        return this == ARRAY || this == PERCPU_ARRAY;
    }

    public static MapType ofCode(int code) {
        return Coded.byCode(MapType.class, code)
                .orElseThrow(() -> new IllegalArgumentException("map type " + code + " is not one Membrane uses"));
    }
}
