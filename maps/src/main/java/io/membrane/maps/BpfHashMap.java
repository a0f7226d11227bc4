package io.membrane.maps;

/**
 * BPF_MAP_TYPE_HASH: exact-match keys. A full map refuses new keys with E2BIG; overwriting an existing key
 * still works.
 */
public final class BpfHashMap<K, V> extends KeyValueMap<K, V> {
    BpfHashMap(MapSpec<BpfHashMap<K, V>> spec, int fd) {
        super(spec, fd, cast(spec.keyLayout()), cast(spec.valueLayout()));
    }
}
