package io.membrane.maps;

/**
 * BPF_MAP_TYPE_LRU_HASH: a hash that evicts the least recently used entries instead of refusing inserts when
 * full, which is what a conntrack table wants.
 */
public final class LruHashMap<K, V> extends KeyValueMap<K, V> {
    LruHashMap(MapSpec<LruHashMap<K, V>> spec, int fd) {
        super(spec, fd, cast(spec.keyLayout()), cast(spec.valueLayout()));
    }
}
