package io.membrane.cluster.ddata;

import io.membrane.cluster.wire.WireMessage;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.RemovedNodePruning;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;

/**
 * A replicated map whose keys form an observed-remove set without tombstones (as {@link CidrSet}: a concurrent put
 * wins over a remove) and whose values are last-writer-wins registers: of two values for one key the one with the
 * later timestamp stays, and on equal timestamps the one of the smaller writer address. It does the job of Pekko's
 * {@code LWWMap}, the identity table, the identity uses and the ipcache claims, for a fraction of the cost.
 *
 * <p>Why not {@code LWWMap}: its serializer writes each entry as protobuf messages that hold the writer's full
 * address and a version vector, and gzips the whole value, for every write to every node, for the durable store and
 * for gossip; a write then costs tens of microseconds per entry of the key, and every write carries the whole key
 * (deltas are off). This map is written by the wire serializer as a node table, then a few bytes per entry and the
 * entry's key and value through Kryo, in key order so that equal maps have equal digests.
 *
 * <p>Immutable. The writer's clock is the wall clock, moved past the value it replaces, as Pekko's {@code
 * LWWRegister} does; the writers of the maps here are single (the decider, or one node per entry), so clocks only
 * order a writer after itself and after a predecessor that died. Removed nodes are pruned from the dots ({@link
 * RemovedNodePruning}), as for {@link CidrSet}.
 *
 * @param <K> the key type: comparable (for the canonical order) and registered with the wire serializer
 * @param <V> the value type: registered with the wire serializer, with a value-based {@code equals}
 */
public final class LwwDotMap<K extends Comparable<? super K>, V> extends DottedData<LwwDotMap<K, V>>
        implements WireMessage {
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static final LwwDotMap EMPTY = new LwwDotMap(Map.of(), Versions.empty());

    /**
     * One key's value, when and by whom it was written, and the dots of the puts that hold the key.
     *
     * @param value     never null
     * @param timestamp the writer's clock, in milliseconds
     * @param writer    the node that wrote the value
     * @param dots      never empty
     */
    public record Slot<V>(V value, long timestamp, UniqueAddress writer, Versions dots) {
        public Slot {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(writer, "writer");
            Objects.requireNonNull(dots, "dots");
        }

        boolean laterThan(Slot<V> that) {
            return timestamp != that.timestamp ? timestamp > that.timestamp : writer.compareTo(that.writer) < 0;
        }

        Slot<V> withDots(Versions d) {
            return new Slot<>(value, timestamp, writer, d);
        }
    }

    private final Map<K, Slot<V>> slots;
    private final Versions versions;
    /** The values by key, made once when first asked for (the map is immutable). */
    private volatile Map<K, V> entries;

    private LwwDotMap(Map<K, Slot<V>> slots, Versions versions) {
        this.slots = slots;
        this.versions = versions;
    }

    @SuppressWarnings("unchecked")
    public static <K extends Comparable<? super K>, V> LwwDotMap<K, V> empty() {
        return (LwwDotMap<K, V>) EMPTY;
    }

    /**
     * A map from its parts, as a payload carries them. Every slot's dots must be non-empty and seen by {@code
     * versions}: a map that claims a put its own vector has not seen is not one any replica could have made.
     *
     * @throws IllegalArgumentException naming the offending key
     */
    public static <K extends Comparable<? super K>, V> LwwDotMap<K, V> of(Map<K, Slot<V>> slots, Versions versions) {
        Map<K, Slot<V>> copy = new HashMap<>(slots);
        for (Map.Entry<K, Slot<V>> e : copy.entrySet()) {
            if (e.getValue().dots().isEmpty()) {
                throw new IllegalArgumentException(e.getKey() + ": entry without dots");
            }
            if (!versions.covers(e.getValue().dots())) {
                throw new IllegalArgumentException(
                        e.getKey() + ": dots " + e.getValue().dots() + " newer than the map's versions " + versions);
            }
        }
        return new LwwDotMap<>(copy, versions);
    }

    /** The values by key (unmodifiable). */
    public Map<K, V> getEntries() {
        Map<K, V> e = entries;
        if (e == null) {
            Map<K, V> out = new HashMap<>(slots.size() * 4 / 3 + 1);
            slots.forEach((k, s) -> out.put(k, s.value()));
            e = Collections.unmodifiableMap(out);
            entries = e;
        }
        return e;
    }

    public V get(K key) {
        Slot<V> s = slots.get(key);
        return s == null ? null : s.value();
    }

    public int size() {
        return slots.size();
    }

    /** Each key's slot (unmodifiable). */
    public Map<K, Slot<V>> slots() {
        return Collections.unmodifiableMap(slots);
    }

    /** Every put this replica has seen. */
    @Override
    public Versions versions() {
        return versions;
    }

    /** The last clock this process handed out: no two values of one writer ever have the same time. */
    private static final java.util.concurrent.atomic.AtomicLong LAST_CLOCK =
            new java.util.concurrent.atomic.AtomicLong();

    /**
     * The wall clock, moved past {@code replaced} and past every clock this process gave before: a writer's values
     * are ordered even within one millisecond, so two values of one writer never tie.
     */
    private static long nextClock(long replaced) {
        long now = System.currentTimeMillis();
        return LAST_CLOCK.updateAndGet(
                last -> Math.max(Math.max(now, last + 1), replaced == Long.MIN_VALUE ? 0 : replaced + 1));
    }

    /** This map with {@code key} set to {@code value} by {@code node}. */
    public LwwDotMap<K, V> put(SelfUniqueAddress node, K key, V value) {
        return putAll(node, Map.of(key, value));
    }

    /** This map with every entry of {@code values} put by {@code node}, each put one event of the node. */
    public LwwDotMap<K, V> putAll(SelfUniqueAddress node, Map<K, V> values) {
        if (values.isEmpty()) {
            return this;
        }
        UniqueAddress self = node.uniqueAddress();
        Map<K, Slot<V>> next = new HashMap<>(slots);
        long counter = versions.at(self);
        for (Map.Entry<K, V> e : values.entrySet()) {
            Slot<V> old = slots.get(e.getKey());
            long clock = nextClock(old == null ? Long.MIN_VALUE : old.timestamp());
            next.put(e.getKey(), new Slot<>(e.getValue(), clock, self, Versions.of(self, ++counter)));
        }
        return new LwwDotMap<>(next, versions.with(self, counter));
    }

    /**
     * This map without {@code key}. The vector already holds the put that is removed, so nothing else changes: a
     * replica that merges this sees the key gone and knows it saw the put. {@code node} is unused (the signature of
     * Pekko's maps).
     */
    public LwwDotMap<K, V> remove(SelfUniqueAddress node, K key) {
        return removeAll(Set.of(key));
    }

    /** This map without any of the keys. */
    public LwwDotMap<K, V> removeAll(Collection<K> keys) {
        Map<K, Slot<V>> next = null;
        for (K k : keys) {
            if (slots.containsKey(k)) {
                if (next == null) {
                    next = new HashMap<>(slots);
                }
                next.remove(k);
            }
        }
        return next == null ? this : new LwwDotMap<>(next, versions);
    }

    /**
     * Keys as {@link CidrSet#mergeData} keeps elements (by their dots); a key both sides hold takes the later of the
     * two values.
     */
    @Override
    public LwwDotMap<K, V> mergeData(LwwDotMap<K, V> that) {
        if (this == that || this.equals(that)) {
            return this;
        }
        Map<K, Slot<V>> merged = new HashMap<>(Math.max(slots.size(), that.slots.size()) * 4 / 3 + 1);
        for (Map.Entry<K, Slot<V>> e : slots.entrySet()) {
            Slot<V> mine = e.getValue();
            Slot<V> theirs = that.slots.get(e.getKey());
            if (theirs == null) {
                if (!that.versions.covers(mine.dots())) {
                    merged.put(e.getKey(), mine.withDots(mine.dots().unseenBy(that.versions)));
                }
                continue;
            }
            if (mine.equals(theirs)) {
                merged.put(e.getKey(), mine);
                continue;
            }
            Versions kept = mine.dots()
                    .notSharedWith(theirs.dots())
                    .unseenBy(that.versions)
                    .merge(theirs.dots().notSharedWith(mine.dots()).unseenBy(versions))
                    .merge(mine.dots().sharedWith(theirs.dots()));
            if (!kept.isEmpty()) {
                merged.put(e.getKey(), (theirs.laterThan(mine) ? theirs : mine).withDots(kept));
            }
        }
        for (Map.Entry<K, Slot<V>> e : that.slots.entrySet()) {
            if (!slots.containsKey(e.getKey()) && !versions.covers(e.getValue().dots())) {
                merged.put(e.getKey(), e.getValue().withDots(e.getValue().dots().unseenBy(versions)));
            }
        }
        return new LwwDotMap<>(merged, versions.merge(that.versions));
    }

    /**
     * Moves a removed node's events to {@code collapseInto}: keys whose dots name the removed node are put again by
     * collapseInto (same value, time and writer), so they stay newer than any replica's record of the removed
     * node's puts.
     */
    @Override
    public LwwDotMap<K, V> prune(UniqueAddress removedNode, UniqueAddress collapseInto) {
        Versions pruned = versions.prune(removedNode, collapseInto);
        Map<K, Slot<V>> next = new HashMap<>(slots);
        long counter = pruned.at(collapseInto);
        for (Map.Entry<K, Slot<V>> e : slots.entrySet()) {
            if (e.getValue().dots().at(removedNode) > 0) {
                next.put(e.getKey(), e.getValue().withDots(Versions.of(collapseInto, ++counter)));
            }
        }
        return new LwwDotMap<>(next, pruned.with(collapseInto, counter));
    }

    /** Forgets a removed node whose pruning has been done everywhere (data from a replica that missed it). */
    @Override
    public LwwDotMap<K, V> pruningCleanup(UniqueAddress removedNode) {
        Map<K, Slot<V>> next = new HashMap<>(slots.size() * 4 / 3 + 1);
        for (Map.Entry<K, Slot<V>> e : slots.entrySet()) {
            Versions v = e.getValue().dots().without(removedNode);
            if (!v.isEmpty()) {
                next.put(e.getKey(), e.getValue().withDots(v));
            }
        }
        return new LwwDotMap<>(next, versions.without(removedNode));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LwwDotMap<?, ?> m && versions.equals(m.versions) && slots.equals(m.slots);
    }

    @Override
    public int hashCode() {
        return 31 * slots.hashCode() + versions.hashCode();
    }

    @Override
    public String toString() {
        return "LwwDotMap(" + slots.size() + " entries, versions " + versions + ")";
    }
}
