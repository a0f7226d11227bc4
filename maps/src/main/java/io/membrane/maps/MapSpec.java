package io.membrane.maps;

import io.membrane.maps.layout.Layout;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An inert description of a map: name, type, key and value layouts, size and flags. It creates nothing; a
 * {@link PinnedMaps} turns it into a live map, reusing a pinned one with the same spec. The type parameter is
 * the typed map the spec opens as, so {@code pins.openOrCreate(MapSpec.lpmTrie(...))} gives an
 * {@link LpmTrieMap} without a cast. Make specs with the factories below ({@link #hash}, {@link #lpmTrie}, ...):
 * the factory component, which builds the live map, can only be named inside this package.
 *
 * @param name the agent's name for the map: its pin file name and the name the API and errors use
 * @param kernelName the name the kernel keeps (at most {@value #KERNEL_NAME_MAX} characters): by default the
 *     name, cut
 * @param innerMap for a map of maps, the shape of the maps it holds; otherwise null
 * @param <M> the live map class this spec opens as
 */
public record MapSpec<M extends BpfMap<?, ?>>(
        String name,
        String kernelName,
        MapType type,
        Layout<?> keyLayout,
        Layout<?> valueLayout,
        int maxEntries,
        int flags,
        MapSpec<?> innerMap,
        MapSpec.Factory<M> factory) {
    /** BPF_F_NO_PREALLOC: required for LPM tries; lets hash maps allocate on insert. */
    public static final int F_NO_PREALLOC = 1;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.]{1,64}");
    /** The kernel keeps BPF_OBJ_NAME_LEN - 1 characters of a map's name. */
    public static final int KERNEL_NAME_MAX = 15;

    /** Builds the live map once the kernel has given a file descriptor. */
    @FunctionalInterface
    interface Factory<M extends BpfMap<?, ?>> {
        M open(MapSpec<M> spec, int fd);
    }

    public MapSpec {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "map name '" + name + "': use 1..64 of A-Z a-z 0-9 _ . (it is also the pin file name)");
        }
        if (kernelName.length() > KERNEL_NAME_MAX || !NAME.matcher(kernelName).matches()) {
            throw new IllegalArgumentException("map " + name + ": kernel name '" + kernelName + "' must be 1.."
                    + KERNEL_NAME_MAX + " of A-Z a-z 0-9 _ . (the kernel cuts longer names)");
        }
        if (maxEntries <= 0) {
            throw new IllegalArgumentException("map " + name + ": max entries must be positive, was " + maxEntries);
        }
        Objects.requireNonNull(type);
        Objects.requireNonNull(keyLayout);
        Objects.requireNonNull(valueLayout);
        Objects.requireNonNull(factory);
    }

    /** The kernel name a spec gets unless it is given one: its name, cut to what the kernel keeps. */
    private static String cut(String name) {
        return name.length() > KERNEL_NAME_MAX ? name.substring(0, KERNEL_NAME_MAX) : name;
    }

    public static <K, V> MapSpec<BpfHashMap<K, V>> hash(String name, Layout<K> key, Layout<V> value, int max) {
        return new MapSpec<>(name, cut(name), MapType.HASH, key, value, max, 0, null, BpfHashMap::new);
    }

    /** A hash map that allocates entries on insert (BPF_F_NO_PREALLOC): large and mostly empty maps. */
    public static <K, V> MapSpec<BpfHashMap<K, V>> hashNoPrealloc(
            String name, Layout<K> key, Layout<V> value, int max) {
        return new MapSpec<>(name, cut(name), MapType.HASH, key, value, max, F_NO_PREALLOC, null, BpfHashMap::new);
    }

    public static <K, V> MapSpec<LruHashMap<K, V>> lruHash(String name, Layout<K> key, Layout<V> value, int max) {
        return new MapSpec<>(name, cut(name), MapType.LRU_HASH, key, value, max, 0, null, LruHashMap::new);
    }

    public static <V> MapSpec<ArrayMap<V>> array(String name, Layout<V> value, int max) {
        return new MapSpec<>(name, cut(name), MapType.ARRAY, Layout.U32, value, max, 0, null, ArrayMap::new);
    }

    public static <K, V> MapSpec<PerCpuHashMap<K, V>> perCpuHash(String name, Layout<K> key, Layout<V> value, int max) {
        return new MapSpec<>(name, cut(name), MapType.PERCPU_HASH, key, value, max, 0, null, PerCpuHashMap::new);
    }

    public static <V> MapSpec<PerCpuArrayMap<V>> perCpuArray(String name, Layout<V> value, int max) {
        return new MapSpec<>(
                name, cut(name), MapType.PERCPU_ARRAY, Layout.U32, value, max, 0, null, PerCpuArrayMap::new);
    }

    /** An LPM trie; the kernel requires BPF_F_NO_PREALLOC, which this sets. */
    public static <K, V> MapSpec<LpmTrieMap<K, V>> lpmTrie(String name, Layout<K> key, Layout<V> value, int max) {
        return new MapSpec<>(name, cut(name), MapType.LPM_TRIE, key, value, max, F_NO_PREALLOC, null, LpmTrieMap::new);
    }

    /** One slot per CPU, each holding a perf event's file descriptor. */
    public static MapSpec<PerfEventArrayMap> perfEventArray(String name, int cpus) {
        return new MapSpec<>(
                name,
                cut(name),
                MapType.PERF_EVENT_ARRAY,
                Layout.U32,
                Layout.U32,
                cpus,
                0,
                null,
                PerfEventArrayMap::new);
    }

    public static MapSpec<ProgramArrayMap> programArray(String name, int max) {
        return new MapSpec<>(
                name, cut(name), MapType.PROG_ARRAY, Layout.U32, Layout.U32, max, 0, null, ProgramArrayMap::new);
    }

    /** A hash whose values are maps shaped like {@code inner} (the kernel checks each inserted map against it). */
    public static <K> MapSpec<HashOfMapsMap<K>> hashOfMaps(String name, Layout<K> key, MapSpec<?> inner, int max) {
        return new MapSpec<>(name, cut(name), MapType.HASH_OF_MAPS, key, Layout.U32, max, 0, inner, HashOfMapsMap::new);
    }

    /** The same spec with another size; the pinned map is replaced if its size differs. */
    public MapSpec<M> withMaxEntries(int max) {
        return new MapSpec<>(name, kernelName, type, keyLayout, valueLayout, max, flags, innerMap, factory);
    }

    /** The same spec under another name (one spec per endpoint, say); the kernel name is the new name, cut. */
    public MapSpec<M> withName(String newName) {
        return new MapSpec<>(newName, cut(newName), type, keyLayout, valueLayout, maxEntries, flags, innerMap, factory);
    }

    /**
     * The same spec under a kernel-visible name of its own, which {@code bpftool map show} and {@code bpftool
     * prog show} print and which a BPF object's map definition must be named to bind to this map; the pin file
     * keeps {@link #name()}.
     */
    public MapSpec<M> withKernelName(String newKernelName) {
        return new MapSpec<>(name, newKernelName, type, keyLayout, valueLayout, maxEntries, flags, innerMap, factory);
    }

    M open(int fd) {
        return factory.open(this, fd);
    }

    public int keySize() {
        return keyLayout.size();
    }

    /** The value size the kernel is told: one CPU's value for per-CPU maps. */
    public int valueSize() {
        return valueLayout.size();
    }

    /** Whether a live map the kernel describes as {@code info} holds entries of this spec's shape. */
    public boolean matches(MapInfo info) {
        return info.typeId() == type.code()
                && info.keySize() == keySize()
                && info.valueSize() == valueSize()
                && info.maxEntries() == maxEntries
                && info.flags() == flags;
    }

    /**
     * Whether {@code info}, of this spec's shape, is also what creating this spec makes today: the same kernel
     * name, and BTF where the type carries it. A map made by an earlier version fails this and is migrated.
     */
    public boolean isCurrent(MapInfo info) {
        return matches(info) && info.name().equals(kernelName) && (!type.carriesBtf() || info.btfId() != 0);
    }

    @Override
    public String toString() {
        return type + " '" + kernelName + "' key=" + keySize() + " (" + keyLayout.cName() + ") value=" + valueSize()
                + " (" + valueLayout.cName() + ") max=" + maxEntries + " flags=0x" + Integer.toHexString(flags);
    }
}
