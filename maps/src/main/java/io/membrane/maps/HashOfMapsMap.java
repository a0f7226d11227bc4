package io.membrane.maps;

import java.util.Optional;

/**
 * BPF_MAP_TYPE_HASH_OF_MAPS: each value is another map, shaped like the spec's inner map (the kernel refuses a
 * map of another shape with EINVAL). Values are set with the inner map's file descriptor; the kernel reports
 * back the inner map's id.
 */
public final class HashOfMapsMap<K> extends BpfMap<K, Integer> {
    HashOfMapsMap(MapSpec<HashOfMapsMap<K>> spec, int fd) {
        super(spec, fd, cast(spec.keyLayout()), cast(spec.valueLayout()));
    }

    public void put(K key, BpfMap<?, ?> inner) {
        doUpdateFd(key, inner.fd(), "put map " + inner.name() + " into");
    }

    /** The kernel id of the map stored under {@code key}, or empty. */
    public Optional<Integer> innerMapId(K key) {
        return doLookup(key);
    }
}
