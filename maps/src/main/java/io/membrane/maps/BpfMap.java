package io.membrane.maps;

import io.membrane.maps.layout.Layout;
import io.membrane.maps.sys.LibBpf;
import io.membrane.maps.sys.NativeLibs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import jnr.ffi.Pointer;

/**
 * A live map: owns one file descriptor and moves typed keys and values across bpf(2). Subclasses expose the
 * operations that make sense for their map type; this base holds the mechanics they share. Each thread
 * encodes into its own reusable native buffers, so a lookup or update allocates nothing on the native side
 * and costs one syscall plus the encoding.
 *
 * @param <K> the key type
 * @param <V> the value type as this map returns it (a list of per-CPU values for per-CPU maps)
 */
public abstract class BpfMap<K, V> implements FdOwner, AutoCloseable {
    protected final MapSpec<?> spec;
    protected final Layout<K> keyLayout;
    protected final Layout<V> valueLayout;
    private final int fd;
    private volatile boolean closed;
    /**
     * The scratch buffers of the thread that used this map last, so that a thread working on one map skips the
     * ThreadLocal lookup. Threads may race on this plain field: a Scratch is immutable apart from its buffers'
     * contents, its final fields make it safe to read from any thread, and a thread uses it only if it owns it.
     */
    private Scratch lastScratch;

    /**
     * @param valueLayout the layout of the value buffer as the syscall fills it (for per-CPU maps, all CPUs)
     */
    protected BpfMap(MapSpec<?> spec, int fd, Layout<K> keyLayout, Layout<V> valueLayout) {
        this.spec = spec;
        this.fd = fd;
        this.keyLayout = keyLayout;
        this.valueLayout = valueLayout;
    }

    @SuppressWarnings("unchecked")
    static <T> Layout<T> cast(Layout<?> layout) {
        return (Layout<T>) layout;
    }

    @Override
    public int fd() {
        ensureOpen();
        return fd;
    }

    @Override
    public String name() {
        return spec.name();
    }

    public MapSpec<?> spec() {
        return spec;
    }

    /** What the kernel reports about this map now. */
    public MapInfo info() {
        return MapInfo.of(fd(), name());
    }

    /** Pins this map at {@code path} on a bpffs so that other processes (bpftool, the next agent) can open it. */
    public void pin(String path) {
        BpfException.check(lib().bpf_obj_pin(fd(), path), "pin " + path, name());
    }

    /**
     * Removes the key; returns false if it was not there. Array maps cannot delete and raise EINVAL.
     */
    public boolean delete(K key) {
        Scratch s = scratch();
        writeKey(key, s);
        int rc = lib().bpf_map_delete_elem(fd(), s.keyPtr);
        if (Errno.ENOENT.is(rc)) {
            return false;
        }
        BpfException.check(rc, "delete", name());
        return true;
    }

    /** Every key, in the kernel's iteration order. A map changed during iteration may skip or repeat keys. */
    public List<K> keys() {
        Scratch s = scratch();
        List<K> out = new ArrayList<>();
        Pointer prev = null;
        while (true) {
            int rc = lib().bpf_map_get_next_key(fd(), prev, s.nextKeyPtr);
            if (Errno.ENOENT.is(rc)) {
                return out;
            }
            BpfException.check(rc, "get next key", name());
            out.add(keyLayout.read(s.nextKey, 0));
            s.key.put(0, s.nextKey, 0, keyLayout.size());
            prev = s.keyPtr;
        }
    }

    protected Optional<V> doLookup(K key) {
        Scratch s = scratch();
        writeKey(key, s);
        int rc = lib().bpf_map_lookup_elem(fd(), s.keyPtr, s.valuePtr);
        if (Errno.ENOENT.is(rc)) {
            return Optional.empty();
        }
        BpfException.check(rc, "lookup", name());
        return Optional.of(valueLayout.read(s.value, 0));
    }

    protected void doUpdate(K key, V value, UpdateFlag flag) {
        Scratch s = scratch();
        writeKey(key, s);
        clear(s.value, valueLayout.size());
        valueLayout.write(value, s.value, 0);
        BpfException.check(lib().bpf_map_update_elem(fd(), s.keyPtr, s.valuePtr, flag.bits()), "update", name());
    }

    /** Writes a raw u32 value (a file descriptor, for fd maps) under a key. */
    protected void doUpdateFd(K key, int valueFd, String operation) {
        Scratch s = scratch();
        writeKey(key, s);
        s.value.putInt(0, valueFd);
        BpfException.check(
                lib().bpf_map_update_elem(fd(), s.keyPtr, s.valuePtr, UpdateFlag.ANY.bits()), operation, name());
    }

    /** Encodes a key into the scratch buffer with its padding zeroed: hash maps hash every byte. */
    protected final void writeKey(K key, Scratch s) {
        clear(s.key, keyLayout.size());
        keyLayout.write(key, s.key, 0);
    }

    static void clear(ByteBuffer buf, int size) {
        int i = 0;
        for (; i + 8 <= size; i += 8) {
            buf.putLong(i, 0L);
        }
        if (i + 4 <= size) {
            buf.putInt(i, 0);
            i += 4;
        }
        for (; i < size; i++) {
            buf.put(i, (byte) 0);
        }
    }

    protected final void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("map " + spec.name() + " is closed");
        }
    }

    protected static LibBpf lib() {
        return NativeLibs.bpf();
    }

    protected final Scratch scratch() {
        Scratch s = lastScratch;
        if (s == null || s.owner != Thread.currentThread()) {
            s = Scratch.get(keyLayout.size(), valueLayout.size());
            lastScratch = s;
        }
        return s;
    }

    /** Closes this process's file descriptor; a pinned map lives on in the kernel. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            NativeLibs.libc().close(fd);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + spec.name() + ", fd " + fd + ", " + spec + "]";
    }

    /**
     * One thread's native buffers for a key, the next key and a value, grown on demand and reused by every
     * map on that thread. Direct little-endian ByteBuffers wrapped as JNR pointers: the layouts write into
     * them and libbpf reads the same memory, with no copy in between.
     */
    static final class Scratch {
        private static final ThreadLocal<Scratch> CURRENT = new ThreadLocal<>();

        /** The only thread that may use these buffers. */
        final Thread owner = Thread.currentThread();

        final ByteBuffer key;
        final ByteBuffer nextKey;
        final ByteBuffer value;
        final Pointer keyPtr;
        final Pointer nextKeyPtr;
        final Pointer valuePtr;

        private Scratch(int keySize, int valueSize) {
            key = ByteBuffer.allocateDirect(keySize).order(ByteOrder.LITTLE_ENDIAN);
            nextKey = ByteBuffer.allocateDirect(keySize).order(ByteOrder.LITTLE_ENDIAN);
            value = ByteBuffer.allocateDirect(valueSize).order(ByteOrder.LITTLE_ENDIAN);
            keyPtr = Pointer.wrap(NativeLibs.runtime(), key);
            nextKeyPtr = Pointer.wrap(NativeLibs.runtime(), nextKey);
            valuePtr = Pointer.wrap(NativeLibs.runtime(), value);
        }

        static Scratch get(int keySize, int valueSize) {
            Scratch s = CURRENT.get();
            if (s == null || s.key.capacity() < keySize || s.value.capacity() < valueSize) {
                int k = Math.max(keySize, s == null ? 64 : s.key.capacity());
                int v = Math.max(valueSize, s == null ? 256 : s.value.capacity());
                s = new Scratch(k, v);
                CURRENT.set(s);
            }
            return s;
        }
    }
}
