package io.membrane.maps;

import io.membrane.maps.layout.Layout;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jnr.ffi.Pointer;

/**
 * A map whose values are data (not file descriptors): lookup, update with ANY / NOEXIST / EXIST, delete,
 * iteration and the batch forms. Batches use the kernel's batch commands where the map type has them and fall
 * back to one call per element where it does not, with the same partial-progress contract either way.
 *
 * @param <K> key type
 * @param <V> value type as returned (per-CPU maps return one value per possible CPU)
 */
public abstract class KeyValueMap<K, V> extends BpfMap<K, V> {
    private static final int BATCH_OPTS_SIZE = 24;

    /** Null until the first batch call tells whether the kernel implements batches for this map type. */
    private volatile Boolean kernelBatches;

    protected KeyValueMap(MapSpec<?> spec, int fd, Layout<K> keyLayout, Layout<V> valueLayout) {
        super(spec, fd, keyLayout, valueLayout);
    }

    /** The value under {@code key}, or empty when the key is absent. */
    public Optional<V> lookup(K key) {
        return doLookup(key);
    }

    /** Creates or overwrites (BPF_ANY). */
    public void put(K key, V value) {
        doUpdate(key, value, UpdateFlag.ANY);
    }

    /** Updates with an explicit flag: NOEXIST on an existing key raises EEXIST, EXIST on a missing one ENOENT. */
    public void update(K key, V value, UpdateFlag flag) {
        doUpdate(key, value, flag);
    }

    /** Every entry, keys in kernel order; uses the batch lookup where the kernel has it. */
    public Map<K, V> entries() {
        if (kernelBatches != Boolean.FALSE) {
            Map<K, V> viaBatch = lookupBatch();
            if (viaBatch != null) {
                return viaBatch;
            }
        }
        Map<K, V> out = new LinkedHashMap<>();
        for (K key : keys()) {
            doLookup(key).ifPresent(v -> out.put(key, v));
        }
        return out;
    }

    /** Number of entries (iterates the keys; the kernel keeps no count for us). */
    public int size() {
        return keys().size();
    }

    /**
     * Writes all pairs with one BPF_MAP_UPDATE_BATCH where possible. The kernel's batch takes no per-element
     * NOEXIST/EXIST flag, so those go element by element with the same partial-progress contract.
     *
     * @throws BatchException when an element fails; {@code processed()} tells how many were written first
     */
    public void updateBatch(List<K> keys, List<V> values, UpdateFlag flag) {
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException("batch of " + keys.size() + " keys and " + values.size() + " values");
        }
        int n = keys.size();
        if (n == 0) {
            return;
        }
        if (kernelBatches != Boolean.FALSE && flag == UpdateFlag.ANY) {
            int ks = keyLayout.size();
            int vs = valueLayout.size();
            ByteBuffer kb = direct((long) n * ks);
            ByteBuffer vb = direct((long) n * vs);
            for (int i = 0; i < n; i++) {
                keyLayout.write(keys.get(i), kb, i * ks);
                valueLayout.write(values.get(i), vb, i * vs);
            }
            ByteBuffer count = direct(4);
            count.putInt(0, n);
            ByteBuffer opts = batchOpts(flag.bits());
            int rc = lib().bpf_map_update_batch(fd(), ptr(kb), ptr(vb), ptr(count), ptr(opts));
            Reference.reachabilityFence(kb);
            Reference.reachabilityFence(vb);
            Reference.reachabilityFence(opts);
            if (rc >= 0) {
                kernelBatches = Boolean.TRUE;
                return;
            }
            int done = processed(count, n);
            if (!unsupported(rc) || done != 0) {
                throw new BatchException(rc, "update batch", name(), done);
            }
            kernelBatches = Boolean.FALSE;
        }
        for (int i = 0; i < n; i++) {
            try {
                doUpdate(keys.get(i), values.get(i), flag);
            } catch (BpfException e) {
                throw new BatchException(-e.rawErrno(), "update batch", name(), i);
            }
        }
    }

    /**
     * Deletes all keys with one BPF_MAP_DELETE_BATCH where possible; stops at the first key that fails (a
     * missing key fails with ENOENT).
     *
     * @throws BatchException naming how many keys were deleted before the failure
     */
    public void deleteBatch(List<K> keys) {
        int n = keys.size();
        if (n == 0) {
            return;
        }
        if (kernelBatches != Boolean.FALSE) {
            int ks = keyLayout.size();
            ByteBuffer kb = direct((long) n * ks);
            for (int i = 0; i < n; i++) {
                keyLayout.write(keys.get(i), kb, i * ks);
            }
            ByteBuffer count = direct(4);
            count.putInt(0, n);
            ByteBuffer opts = batchOpts(0);
            int rc = lib().bpf_map_delete_batch(fd(), ptr(kb), ptr(count), ptr(opts));
            Reference.reachabilityFence(kb);
            Reference.reachabilityFence(opts);
            if (rc >= 0) {
                return;
            }
            int done = processed(count, n);
            if (!unsupported(rc) || done != 0) {
                throw new BatchException(rc, "delete batch", name(), done);
            }
        }
        for (int i = 0; i < n; i++) {
            if (!delete(keys.get(i))) {
                throw new BatchException(Errno.ENOENT.asReturn(), "delete batch", name(), i);
            }
        }
    }

    /** All entries through BPF_MAP_LOOKUP_BATCH, or null when the kernel has no batch lookup for this type. */
    private Map<K, V> lookupBatch() {
        int ks = keyLayout.size();
        int vs = valueLayout.size();
        int chunk = Math.min(Math.max(spec.maxEntries(), 1), 1024);
        Map<K, V> out = new LinkedHashMap<>();
        // The batch token is opaque (a bucket index for hashes, a key for others): give it room for either.
        ByteBuffer inBatch = direct(Math.max(ks, 8));
        ByteBuffer outBatch = direct(Math.max(ks, 8));
        ByteBuffer count = direct(4);
        ByteBuffer opts = batchOpts(0);
        boolean first = true;
        while (true) {
            ByteBuffer kb = direct((long) chunk * ks);
            ByteBuffer vb = direct((long) chunk * vs);
            count.putInt(0, chunk);
            int rc = lib().bpf_map_lookup_batch(
                            fd(), first ? null : ptr(inBatch), ptr(outBatch), ptr(kb), ptr(vb), ptr(count), ptr(opts));
            Reference.reachabilityFence(kb);
            Reference.reachabilityFence(vb);
            Reference.reachabilityFence(opts);
            Reference.reachabilityFence(inBatch);
            if (rc < 0 && first && unsupported(rc)) {
                kernelBatches = Boolean.FALSE;
                return null;
            }
            if (Errno.ENOSPC.is(rc) && count.getInt(0) == 0) {
                chunk *= 2; // one hash bucket holds more entries than the chunk: retry with room for it
                continue;
            }
            if (rc < 0 && !Errno.ENOENT.is(rc)) {
                throw new BpfException(rc, "lookup batch", name());
            }
            int got = count.getInt(0);
            for (int i = 0; i < got; i++) {
                out.put(keyLayout.read(kb, i * ks), valueLayout.read(vb, i * vs));
            }
            if (Errno.ENOENT.is(rc)) {
                return out;
            }
            inBatch.put(0, outBatch, 0, outBatch.capacity());
            first = false;
        }
    }

    /**
     * How many elements a failed batch applied. The kernel writes the count back only once it has started on
     * the elements; a batch refused up front leaves our n in place, and a failed batch never applied all n.
     */
    private static int processed(ByteBuffer count, int n) {
        int done = count.getInt(0);
        return done >= n ? 0 : done;
    }

    private static boolean unsupported(int rc) {
        return Errno.ENOTSUPP.is(rc) || Errno.EOPNOTSUPP.is(rc);
    }

    private static ByteBuffer direct(long size) {
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch of " + size + " bytes is too large");
        }
        return ByteBuffer.allocateDirect((int) Math.max(size, 1)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static Pointer ptr(ByteBuffer buf) {
        return Pointer.wrap(io.membrane.maps.sys.NativeLibs.runtime(), buf);
    }

    /** {@code struct bpf_map_batch_opts}: size_t sz; __u64 elem_flags; __u64 flags. */
    private static ByteBuffer batchOpts(long elemFlags) {
        ByteBuffer opts = direct(BATCH_OPTS_SIZE);
        opts.putLong(0, BATCH_OPTS_SIZE);
        opts.putLong(8, elemFlags);
        return opts;
    }
}
