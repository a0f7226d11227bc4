package io.membrane.maps;

import java.util.Optional;

/**
 * BPF_MAP_TYPE_ARRAY: every index from 0 to max_entries - 1 always exists (zero until written); indices past
 * the end fail with E2BIG on update, and deletion is not possible (EINVAL).
 */
public final class ArrayMap<V> extends KeyValueMap<Integer, V> {
    ArrayMap(MapSpec<ArrayMap<V>> spec, int fd) {
        super(spec, fd, cast(spec.keyLayout()), cast(spec.valueLayout()));
    }

    public Optional<V> get(int index) {
        return lookup(index);
    }

    public void set(int index, V value) {
        put(index, value);
    }
}
