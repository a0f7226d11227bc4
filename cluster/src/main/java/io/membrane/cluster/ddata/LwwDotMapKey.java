package io.membrane.cluster.ddata;

import org.apache.pekko.cluster.ddata.Key;

/** The Distributed Data key of an {@link LwwDotMap}. */
public final class LwwDotMapKey<K extends Comparable<? super K>, V> extends Key<LwwDotMap<K, V>> {
    private static final long serialVersionUID = 1L;

    public LwwDotMapKey(String id) {
        super(id);
    }

    public static <K extends Comparable<? super K>, V> Key<LwwDotMap<K, V>> create(String id) {
        return new LwwDotMapKey<>(id);
    }
}
