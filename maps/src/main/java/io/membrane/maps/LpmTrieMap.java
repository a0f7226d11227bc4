package io.membrane.maps;

/**
 * BPF_MAP_TYPE_LPM_TRIE: a lookup returns the value of the longest stored prefix that contains the key's
 * address, so looking up a /32 finds the /8 it falls in unless a longer prefix covers it. Keys are prefix
 * layouts such as {@link io.membrane.maps.net.Ipv4Prefix#LAYOUT}. A full trie refuses inserts with ENOSPC.
 */
public final class LpmTrieMap<K, V> extends KeyValueMap<K, V> {
    LpmTrieMap(MapSpec<LpmTrieMap<K, V>> spec, int fd) {
        super(spec, fd, cast(spec.keyLayout()), cast(spec.valueLayout()));
    }
}
