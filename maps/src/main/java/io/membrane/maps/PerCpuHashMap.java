package io.membrane.maps;

import java.util.Collections;
import java.util.List;

/**
 * BPF_MAP_TYPE_PERCPU_HASH: each CPU has its own copy of every value, so the datapath counts without atomics;
 * reading returns one value per possible CPU (see {@link PossibleCpus}) for the caller to sum.
 */
public final class PerCpuHashMap<K, V> extends KeyValueMap<K, List<V>> {
    PerCpuHashMap(MapSpec<PerCpuHashMap<K, V>> spec, int fd) {
        super(spec, fd, cast(spec.keyLayout()), PerCpu.layout(cast(spec.valueLayout()), PossibleCpus.count()));
    }

    /** Writes the same value into every CPU's slot (typically zero, to reset a counter). */
    public void putOnEveryCpu(K key, V value) {
        put(key, Collections.nCopies(PossibleCpus.count(), value));
    }
}
