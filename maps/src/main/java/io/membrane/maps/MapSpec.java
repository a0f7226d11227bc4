package io.membrane.maps;

import io.membrane.maps.layout.Layout;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An inert description of a map: name, type, key and value layouts, size and flags. It creates nothing; a
 * {@link PinnedMaps} turns it into a live map, reusing a pinned one with the same spec. The type parameter is
 * the typed map the spec opens as, so {@code pins.openOrCreate(MapSpec.lpmTrie(...))} gives an
 * {@link LpmTrieMap} without a cast.
 *
 * @param <M> the live map class this spec opens as
 */
public final class MapSpec<M extends BpfMap<?, ?>> {
    /** BPF_F_NO_PREALLOC: required for LPM tries; lets hash maps allocate on insert. */
    public static final int F_NO_PREALLOC = 1;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.]{1,64}");

    /** Builds the live map once the kernel has given a file descriptor. */
    @FunctionalInterface
    interface Factory<M extends BpfMap<?, ?>> {
        M open(MapSpec<M> spec, int fd);
    }

    private final String name;
    private final MapType type;
    private final Layout<?> keyLayout;
    private final Layout<?> valueLayout;
    private final int maxEntries;
    private final int flags;
    private final MapSpec<?> innerMap;
    private final Factory<M> factory;

    private MapSpec(String name, MapType type, Layout<?> keyLayout, Layout<?> valueLayout, int maxEntries,
                    int flags, MapSpec<?> innerMap, Factory<M> factory) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("map name '" + name
                    + "': use 1..64 of A-Z a-z 0-9 _ . (it is also the pin file name)");
        }
        if (maxEntries <= 0) {
            throw new IllegalArgumentException("map " + name + ": max entries must be positive, was " + maxEntries);
        }
        this.name = name;
        this.type = Objects.requireNonNull(type);
        this.keyLayout = Objects.requireNonNull(keyLayout);
        this.valueLayout = Objects.requireNonNull(valueLayout);
        this.maxEntries = maxEntries;
        this.flags = flags;
        this.innerMap = innerMap;
        this.factory = factory;
    }

    public static <K, V> MapSpec<BpfHashMap<K, V>> hash(String name, Layout<K> key, Layout<V> value, int max) {
        return new MapSpec<>(name, MapType.HASH, key, value, max, 0, null, BpfHashMap::new);
    }

    /** A hash map that allocates entries on insert (BPF_F_NO_PREALLOC): large and mostly empty maps. */
    public static <K, V> MapSpec<BpfHashMap<K, V>> hashNoPrealloc(String name, Layout<K> key, Layout<V> value,
                                                                  int max) {
        return new MapSpec<>(name, MapType.HASH, key, value, max, F_NO_PREALLOC, null, BpfHashMap::new);
    }

    public static <K, V> MapSpec<LruHashMap<K, V>> lruHash(String name, Layout<K> key, Layout<V> value, int max) {
        return new MapSpec<>(name, MapType.LRU_HASH, key, value, max, 0, null, LruHashMap::new);
    }

    public static <V> MapSpec<ArrayMap<V>> array(String name, Layout<V> value, int max) {
        return new MapSpec<>(name, MapType.ARRAY, Layout.U32, value, max, 0, null, ArrayMap::new);
    }

    public static <K, V> MapSpec<PerCpuHashMap<K, V>> perCpuHash(String name, Layout<K> key, Layout<V> value,
                                                                 int max) {
        return new MapSpec<>(name, MapType.PERCPU_HASH, key, value, max, 0, null, PerCpuHashMap::new);
    }

    public static <V> MapSpec<PerCpuArrayMap<V>> perCpuArray(String name, Layout<V> value, int max) {
        return new MapSpec<>(name, MapType.PERCPU_ARRAY, Layout.U32, value, max, 0, null, PerCpuArrayMap::new);
    }

    /** An LPM trie; the kernel requires BPF_F_NO_PREALLOC, which this sets. */
    public static <K, V> MapSpec<LpmTrieMap<K, V>> lpmTrie(String name, Layout<K> key, Layout<V> value, int max) {
        return new MapSpec<>(name, MapType.LPM_TRIE, key, value, max, F_NO_PREALLOC, null, LpmTrieMap::new);
    }

    /** One slot per CPU, each holding a perf event's file descriptor. */
    public static MapSpec<PerfEventArrayMap> perfEventArray(String name, int cpus) {
        return new MapSpec<>(name, MapType.PERF_EVENT_ARRAY, Layout.U32, Layout.U32, cpus, 0, null,
                PerfEventArrayMap::new);
    }

    public static MapSpec<ProgramArrayMap> programArray(String name, int max) {
        return new MapSpec<>(name, MapType.PROG_ARRAY, Layout.U32, Layout.U32, max, 0, null, ProgramArrayMap::new);
    }

    /** A hash whose values are maps shaped like {@code inner} (the kernel checks each inserted map against it). */
    public static <K> MapSpec<HashOfMapsMap<K>> hashOfMaps(String name, Layout<K> key, MapSpec<?> inner, int max) {
        return new MapSpec<>(name, MapType.HASH_OF_MAPS, key, Layout.U32, max, 0, inner, HashOfMapsMap::new);
    }

    /** The same spec with another size; the pinned map is replaced if its size differs. */
    public MapSpec<M> withMaxEntries(int max) {
        return new MapSpec<>(name, type, keyLayout, valueLayout, max, flags, innerMap, factory);
    }

    /** The same spec under another name (one spec per endpoint, say). */
    public MapSpec<M> withName(String newName) {
        return new MapSpec<>(newName, type, keyLayout, valueLayout, maxEntries, flags, innerMap, factory);
    }

    M open(int fd) {
        return factory.open(this, fd);
    }

    public String name() {
        return name;
    }

    public MapType type() {
        return type;
    }

    public Layout<?> keyLayout() {
        return keyLayout;
    }

    public Layout<?> valueLayout() {
        return valueLayout;
    }

    public int keySize() {
        return keyLayout.size();
    }

    /** The value size the kernel is told: one CPU's value for per-CPU maps. */
    public int valueSize() {
        return valueLayout.size();
    }

    public int maxEntries() {
        return maxEntries;
    }

    public int flags() {
        return flags;
    }

    public MapSpec<?> innerMap() {
        return innerMap;
    }

    /** Whether a live map the kernel describes as {@code info} is interchangeable with this spec. */
    public boolean matches(MapInfo info) {
        return info.typeId() == type.kernelId() && info.keySize() == keySize() && info.valueSize() == valueSize()
                && info.maxEntries() == maxEntries && info.flags() == flags;
    }

    @Override
    public String toString() {
        return type + " key=" + keySize() + " (" + keyLayout.cName() + ") value=" + valueSize() + " ("
                + valueLayout.cName() + ") max=" + maxEntries + " flags=0x" + Integer.toHexString(flags);
    }
}
