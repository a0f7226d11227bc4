package io.membrane.maps;

import java.util.Collections;
import java.util.List;
import java.util.Optional;

/** BPF_MAP_TYPE_PERCPU_ARRAY: an array with one copy of each slot per possible CPU. */
public final class PerCpuArrayMap<V> extends KeyValueMap<Integer, List<V>> {
    PerCpuArrayMap(MapSpec<PerCpuArrayMap<V>> spec, int fd) {
        super(spec, fd, cast(spec.keyLayout()), PerCpu.layout(cast(spec.valueLayout()), PossibleCpus.count()));
    }

    public Optional<List<V>> get(int index) {
        return lookup(index);
    }

    public void putOnEveryCpu(int index, V value) {
        put(index, Collections.nCopies(PossibleCpus.count(), value));
    }
}
