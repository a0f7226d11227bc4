package io.membrane.actors.prefilter;

import io.membrane.actors.KernelBatchRefused;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.BatchException;
import io.membrane.maps.BpfException;
import io.membrane.maps.Errno;
import io.membrane.maps.KeyValueMap;
import io.membrane.maps.UpdateFlag;
import io.membrane.maps.net.Cidr;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The prefilter's four CIDR maps as one deny list with scopes. Each CIDR goes to the map its family and length
 * call for — a host address (/32, /128) to the exact-match hash, any other prefix to the LPM trie — the choice
 * Cilium makes. An entry is in the maps while any scope holds it, and its scopes are kept in the map value
 * ({@link PrefilterFlag}), so they survive agent restarts with the entry. A batch is all-or-nothing: it is
 * validated whole before any write, and if the kernel refuses an element part-way every entry this batch
 * already changed is put back as it was, so the maps end exactly as before. Not thread-safe: the Prefilter
 * actor is its only user.
 */
public final class PrefilterTable {
    /** One entry of the deny list and the scopes that hold it. */
    public record Entry(Cidr cidr, Set<Scope> scopes) {}

    private final KeyValueMap<Ipv4Prefix, PrefilterFlag> fix4;
    private final KeyValueMap<Ipv4Prefix, PrefilterFlag> dyn4;
    private final KeyValueMap<Ipv6Prefix, PrefilterFlag> fix6;
    private final KeyValueMap<Ipv6Prefix, PrefilterFlag> dyn6;
    private final boolean enableIpv4;
    private final boolean enableIpv6;
    private static final Logger LOG = LoggerFactory.getLogger(PrefilterTable.class);
    private final Map<Cidr, EnumSet<Scope>> entries = new HashMap<>();

    public PrefilterTable(
            KeyValueMap<Ipv4Prefix, PrefilterFlag> fix4,
            KeyValueMap<Ipv4Prefix, PrefilterFlag> dyn4,
            KeyValueMap<Ipv6Prefix, PrefilterFlag> fix6,
            KeyValueMap<Ipv6Prefix, PrefilterFlag> dyn6,
            boolean enableIpv4,
            boolean enableIpv6) {
        this.fix4 = fix4;
        this.dyn4 = dyn4;
        this.fix6 = fix6;
        this.dyn6 = dyn6;
        this.enableIpv4 = enableIpv4;
        this.enableIpv6 = enableIpv6;
    }

    /** Reads back what the pinned maps hold (after an agent restart), scopes included, as the table's state. */
    public int restore() {
        entries.clear();
        fix4.entries().forEach((p, f) -> entries.put(new Cidr.V4(p), scopes(f)));
        dyn4.entries().forEach((p, f) -> entries.put(new Cidr.V4(p), scopes(f)));
        fix6.entries().forEach((p, f) -> entries.put(new Cidr.V6(p), scopes(f)));
        dyn6.entries().forEach((p, f) -> entries.put(new Cidr.V6(p), scopes(f)));
        return entries.size();
    }

    private static EnumSet<Scope> scopes(PrefilterFlag f) {
        EnumSet<Scope> s = EnumSet.noneOf(Scope.class);
        if (f.nodeScoped()) {
            s.add(Scope.NODE);
        }
        if (f.clusterScoped()) {
            s.add(Scope.CLUSTER);
        }
        return s;
    }

    /** The deny list in order: IPv4 then IPv6, by address. */
    public List<Entry> list() {
        List<Entry> out = new ArrayList<>(entries.size());
        new TreeMap<>(entries).forEach((c, s) -> out.add(new Entry(c, Set.copyOf(s))));
        return out;
    }

    /** The CIDRs one scope holds. */
    public Set<Cidr> held(Scope scope) {
        Set<Cidr> out = new HashSet<>();
        entries.forEach((c, s) -> {
            if (s.contains(scope)) {
                out.add(c);
            }
        });
        return out;
    }

    public int size() {
        return entries.size();
    }

    /**
     * Adds every CIDR to {@code scope}; CIDRs that scope already holds are left as they are. The list has passed
     * {@link ChangeRules#checkList} (no CIDR twice).
     *
     * @return how many CIDRs the scope did not hold before
     * @throws PrefilterException naming the offending CIDR; the maps are unchanged
     */
    public int add(List<Cidr> cidrs, Scope scope) {
        return addAndRemove(scope, cidrs, List.of());
    }

    /**
     * Removes every CIDR from {@code scope}. The list has passed {@link ChangeRules#checkList}: each is held by the
     * scope. A CIDR another scope still holds stays in the maps.
     *
     * @throws PrefilterException naming a CIDR of a disabled family, or the one the kernel refused; the maps are
     *                            unchanged
     */
    public int remove(List<Cidr> cidrs, Scope scope) {
        cidrs.forEach(this::checkFamily);
        return apply(scope, List.of(), cidrs);
    }

    /**
     * Makes the cluster scope hold exactly {@code desired}: adds what is missing, removes what should not be
     * there, touches nothing else (node-scoped entries stay). All-or-nothing like any batch.
     *
     * @return how many CIDRs changed
     */
    public int reconcile(Scope scope, Set<Cidr> desired) {
        Set<Cidr> held = held(scope);
        List<Cidr> toAdd = desired.stream().filter(c -> !held.contains(c)).toList();
        List<Cidr> toRemove = held.stream().filter(c -> !desired.contains(c)).toList();
        return addAndRemove(scope, toAdd, toRemove);
    }

    /**
     * Makes {@code scope} hold every CIDR of {@code present} and none of {@code absent}, touching nothing else:
     * the part of a reconcile that a known change needs, at the cost of the change rather than of the whole
     * list. All-or-nothing like any batch.
     *
     * @return how many CIDRs changed
     */
    public int adjust(Scope scope, Set<Cidr> present, Set<Cidr> absent) {
        List<Cidr> toAdd = present.stream().filter(c -> !holds(c, scope)).toList();
        List<Cidr> toRemove = absent.stream().filter(c -> holds(c, scope)).toList();
        return addAndRemove(scope, toAdd, toRemove);
    }

    /** Whether {@code scope} holds {@code c} now. */
    public boolean holds(Cidr c, Scope scope) {
        EnumSet<Scope> s = entries.get(c);
        return s != null && s.contains(scope);
    }

    private int addAndRemove(Scope scope, List<Cidr> toAdd, List<Cidr> toRemove) {
        for (Cidr c : toAdd) {
            checkFamily(c);
        }
        return apply(scope, toAdd, toRemove);
    }

    /**
     * Adds {@code scope} to each of {@code toAdd} and takes it from each of {@code toRemove} as one batch, undone
     * in the kernel if any write fails. The kernel writes go one batch per map and kind (BPF_MAP_UPDATE_BATCH /
     * DELETE_BATCH): a node mirroring a cluster list of 100,000 CIDRs makes four calls instead of 100,000; the
     * table changes only once every write succeeded.
     *
     * @throws IllegalArgumentException if a CIDR is in both lists (its outcome would depend on write order)
     */
    private int apply(Scope scope, List<Cidr> toAdd, List<Cidr> toRemove) {
        List<Change> changed = new ArrayList<>();
        collect(toAdd, scope, true, changed);
        if (!toAdd.isEmpty() && !toRemove.isEmpty()) {
            Set<Cidr> adding = new HashSet<>(toAdd);
            for (Cidr c : toRemove) {
                if (adding.contains(c)) {
                    throw new IllegalArgumentException(c + " both added and removed in one batch");
                }
            }
        }
        collect(toRemove, scope, false, changed);
        Map<MapTarget, List<Change>> updates = new EnumMap<>(MapTarget.class);
        Map<MapTarget, List<Change>> deletes = new EnumMap<>(MapTarget.class);
        for (Change ch : changed) {
            (ch.after.isEmpty() ? deletes : updates)
                    .computeIfAbsent(MapTarget.of(ch.cidr), t -> new ArrayList<>())
                    .add(ch);
        }
        List<Change> written = new ArrayList<>();
        try {
            // Deletes first: a reconcile that swaps entries of a full map needs the room they leave.
            for (MapTarget t : MapTarget.values()) {
                writeBatch(t, deletes.getOrDefault(t, List.of()), true, written);
                writeBatch(t, updates.getOrDefault(t, List.of()), false, written);
            }
        } catch (KernelBatchRefused r) {
            // Newest first: the adds that filled the map leave before the removed entries come back.
            for (int i = written.size() - 1; i >= 0; i--) {
                undo(written.get(i));
            }
            throw fromKernel(
                    r.change(Change.class).cidr,
                    r.refusal(),
                    r.change(Change.class).after.contains(scope) ? "add" : "remove");
        }
        for (Change ch : changed) {
            if (ch.after.isEmpty()) {
                entries.remove(ch.cidr);
            } else {
                entries.put(ch.cidr, ch.after);
            }
        }
        return changed.size();
    }

    /** The changes that adding (or removing) {@code scope} makes; CIDRs already so are skipped. */
    private void collect(List<Cidr> cidrs, Scope scope, boolean add, List<Change> changed) {
        for (Cidr c : cidrs) {
            EnumSet<Scope> current = entries.get(c);
            if (add == (current != null && current.contains(scope))) {
                continue;
            }
            EnumSet<Scope> next = current == null ? EnumSet.noneOf(Scope.class) : EnumSet.copyOf(current);
            if (add) {
                next.add(scope);
            } else {
                next.remove(scope);
            }
            changed.add(new Change(c, current, next));
        }
    }

    /** One entry's scopes before and after a batch ({@code before} null: the entry was absent). */
    private record Change(Cidr cidr, EnumSet<Scope> before, EnumSet<Scope> after) {}

    /** Which of the four maps a CIDR lives in: exact-match hash for hosts, LPM trie for prefixes, per family. */
    private enum MapTarget {
        FIX4,
        DYN4,
        FIX6,
        DYN6;

        static MapTarget of(Cidr c) {
            if (c instanceof Cidr.V4 v4) {
                return v4.isHost() ? FIX4 : DYN4;
            }
            return ((Cidr.V6) c).isHost() ? FIX6 : DYN6;
        }
    }

    /**
     * Writes (or, with {@code delete}, deletes) one map's share of a batch in one kernel call; what the kernel
     * did before it stopped goes to {@code written}, for the undo.
     */
    private void writeBatch(MapTarget t, List<Change> batch, boolean delete, List<Change> written) {
        if (batch.isEmpty()) {
            return;
        }
        List<Cidr> cidrs = batch.stream().map(Change::cidr).toList();
        List<PrefilterFlag> flags =
                delete ? List.of() : batch.stream().map(ch -> flag(ch.after)).toList();
        try {
            switch (t) {
                case FIX4 -> writeBatch(fix4, v4(cidrs), flags, delete);
                case DYN4 -> writeBatch(dyn4, v4(cidrs), flags, delete);
                case FIX6 -> writeBatch(fix6, v6(cidrs), flags, delete);
                case DYN6 -> writeBatch(dyn6, v6(cidrs), flags, delete);
            }
            written.addAll(batch);
        } catch (BatchException e) {
            written.addAll(batch.subList(0, Math.min(e.processed(), batch.size())));
            throw new KernelBatchRefused(batch.get(Math.min(e.processed(), batch.size() - 1)), e);
        }
    }

    private static <K> void writeBatch(
            KeyValueMap<K, PrefilterFlag> map, List<K> keys, List<PrefilterFlag> flags, boolean delete) {
        if (delete) {
            map.deleteBatch(keys);
        } else {
            map.updateBatch(keys, flags, UpdateFlag.ANY);
        }
    }

    private static List<Ipv4Prefix> v4(List<Cidr> cidrs) {
        return cidrs.stream().map(c -> ((Cidr.V4) c).prefix()).toList();
    }

    private static List<Ipv6Prefix> v6(List<Cidr> cidrs) {
        return cidrs.stream().map(c -> ((Cidr.V6) c).prefix()).toList();
    }

    private static PrefilterFlag flag(EnumSet<Scope> scopes) {
        return PrefilterFlag.of(scopes.contains(Scope.NODE), scopes.contains(Scope.CLUSTER));
    }

    /**
     * Puts one entry back in the kernel as it was before {@code done} ({@code before} null or empty: absent), the
     * table not being touched yet: the change reversed, written like any other.
     */
    private void undo(Change done) {
        boolean absent = done.before == null || done.before.isEmpty();
        try {
            writeBatch(
                    MapTarget.of(done.cidr),
                    List.of(new Change(done.cidr, done.after, done.before)),
                    absent,
                    new ArrayList<>());
        } catch (KernelBatchRefused r) {
            // Undoing is best effort: the entry is reported, and the next restore from the pinned maps shows it.
            LOG.warn(
                    "could not undo {} after a failed batch: {}",
                    done.cidr,
                    r.refusal().getMessage());
        }
    }

    private void checkFamily(Cidr c) {
        if (c instanceof Cidr.V4 && !enableIpv4) {
            throw new PrefilterException(
                    PrefilterException.Reason.FAMILY_DISABLED,
                    c.toString(),
                    c + ": IPv4 is disabled in this node's prefilter");
        }
        if (c instanceof Cidr.V6 && !enableIpv6) {
            throw new PrefilterException(
                    PrefilterException.Reason.FAMILY_DISABLED,
                    c.toString(),
                    c + ": IPv6 is disabled in this node's prefilter");
        }
    }

    private static PrefilterException fromKernel(Cidr c, BpfException e, String op) {
        boolean full = e.errno() == Errno.E2BIG || e.errno() == Errno.ENOSPC;
        return new PrefilterException(
                full ? PrefilterException.Reason.MAP_FULL : PrefilterException.Reason.KERNEL,
                c.toString(),
                c + ": cannot " + op + " (" + e.getMessage() + "); nothing in this batch was applied");
    }
}
