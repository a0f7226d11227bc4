package io.membrane.actors.ipcache;

import io.membrane.actors.KernelBatchRefused;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.maps.BatchException;
import io.membrane.maps.BpfException;
import io.membrane.maps.Errno;
import io.membrane.maps.KeyValueMap;
import io.membrane.maps.UpdateFlag;
import io.membrane.maps.net.Cidr;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code membrane_ipcache} LPM trie as a map of CIDR to value, and the one way to change it: a batch of puts and
 * removals that is all-or-nothing. Entries that already hold the value asked for are not written again; the
 * removals go first (a batch that swaps entries of a full map needs the room they leave), each kind in one kernel
 * batch call, and if the kernel refuses an element part-way every entry the batch already changed is put back, so
 * the map ends exactly as before. Not thread-safe: the IpCache actor is its only user.
 */
public final class IpCacheTable {
    private static final Logger LOG = LoggerFactory.getLogger(IpCacheTable.class);

    private final KeyValueMap<IpcacheKey, IpcacheValue> map;
    private final Map<Cidr, IpcacheValue> held = new HashMap<>();

    public IpCacheTable(KeyValueMap<IpcacheKey, IpcacheValue> map) {
        this.map = map;
    }

    /** Reads back what the pinned map holds (after an agent restart) as the table's state. */
    public int restore() {
        held.clear();
        map.entries().forEach((k, v) -> held.put(cidrOf(k), v));
        return held.size();
    }

    /** What the map holds (unmodifiable view). */
    public Map<Cidr, IpcacheValue> held() {
        return Collections.unmodifiableMap(held);
    }

    /**
     * Puts every entry of {@code put} and removes every CIDR of {@code remove}, or nothing.
     *
     * @return how many entries changed
     * @throws IpCacheException (MAP_FULL or KERNEL) naming the CIDR the kernel refused; the map is unchanged
     * @throws IllegalArgumentException if a CIDR is in both
     */
    public int apply(Map<Cidr, IpcacheValue> put, Set<Cidr> remove) {
        List<Change> deletes = new ArrayList<>();
        List<Change> updates = new ArrayList<>();
        for (Cidr c : remove) {
            if (put.containsKey(c)) {
                throw new IllegalArgumentException(c + " both put and removed in one batch");
            }
            if (held.containsKey(c)) {
                deletes.add(new Change(c, held.get(c), null));
            }
        }
        put.forEach((c, v) -> {
            if (!v.equals(held.get(c))) {
                updates.add(new Change(c, held.get(c), v));
            }
        });
        List<Change> written = new ArrayList<>();
        try {
            write(deletes, written);
            write(updates, written);
        } catch (KernelBatchRefused r) {
            for (int i = written.size() - 1; i >= 0; i--) {
                undo(written.get(i));
            }
            throw fromKernel(r.change(Change.class), r.refusal());
        }
        for (Change ch : deletes) {
            held.remove(ch.cidr);
        }
        for (Change ch : updates) {
            held.put(ch.cidr, ch.after);
        }
        return deletes.size() + updates.size();
    }

    /** One entry before and after a batch ({@code null}: absent). */
    private record Change(Cidr cidr, IpcacheValue before, IpcacheValue after) {}

    /** Writes one kind of change (all deletes or all puts) in one kernel batch; what the kernel did goes to written. */
    private void write(List<Change> batch, List<Change> written) {
        if (batch.isEmpty()) {
            return;
        }
        List<IpcacheKey> keys = batch.stream().map(ch -> keyOf(ch.cidr)).toList();
        boolean delete = batch.get(0).after == null;
        try {
            if (delete) {
                map.deleteBatch(keys);
            } else {
                map.updateBatch(keys, batch.stream().map(Change::after).toList(), UpdateFlag.ANY);
            }
            written.addAll(batch);
        } catch (BatchException e) {
            int done = Math.min(e.processed(), batch.size());
            written.addAll(batch.subList(0, done));
            throw new KernelBatchRefused(batch.get(Math.min(done, batch.size() - 1)), e);
        }
    }

    /** Puts one entry back as it was before {@code done}; best effort, the next restore shows what the map holds. */
    private void undo(Change done) {
        try {
            if (done.before == null) {
                map.delete(keyOf(done.cidr));
            } else {
                map.put(keyOf(done.cidr), done.before);
            }
        } catch (BpfException e) {
            LOG.warn("could not undo {} after a failed batch: {}", done.cidr, e.getMessage());
        }
    }

    private static IpCacheException fromKernel(Change c, BpfException e) {
        boolean full = e.errno() == Errno.E2BIG || e.errno() == Errno.ENOSPC;
        String op = c.after == null ? "remove" : "write";
        return new IpCacheException(
                full ? IpCacheException.Reason.MAP_FULL : IpCacheException.Reason.KERNEL,
                c.cidr.toString(),
                c.cidr + ": cannot " + op + " (" + e.getMessage() + "); nothing in this batch was applied");
    }

    /** The map's key of a CIDR. */
    public static IpcacheKey keyOf(Cidr c) {
        return c instanceof Cidr.V4 v4 ? IpcacheKey.of(v4.prefix()) : IpcacheKey.of(((Cidr.V6) c).prefix());
    }

    /** The CIDR of a map key. */
    public static Cidr cidrOf(IpcacheKey k) {
        Objects.requireNonNull(k, "key");
        return k.family() == IpcacheKey.FAMILY_IPV4
                ? new Cidr.V4(new Ipv4Prefix(ByteBuffer.wrap(k.address()).getInt(), k.prefixLength()))
                : new Cidr.V6(new Ipv6Prefix(k.address(), k.prefixLength()));
    }
}
