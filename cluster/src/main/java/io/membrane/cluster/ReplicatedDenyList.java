package io.membrane.cluster;

import io.membrane.maps.net.Cidr;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * This node's view of the cluster deny list, shard by shard, and what of it the Prefilter has been asked to hold:
 * the stateful core of {@link PrefilterReplication}, with no actor in it. The first mirror of the list (and the
 * first after a failed one) is the whole list; afterwards only the CIDRs of the shards that changed are compared,
 * so a change costs a diff of a few hundred CIDRs instead of a pass over the whole list. Requests reach the
 * Prefilter in the order they are made, so what is recorded here as mirrored is what it holds once it has worked
 * through them. Not thread-safe: the bridge actor is its only user.
 */
final class ReplicatedDenyList {
    /** What the Prefilter is to be asked next: the whole list, or the CIDRs that changed. */
    sealed interface Mirror permits Full, Delta {}

    /** Make the cluster scope hold exactly {@code desired}. */
    record Full(Set<Cidr> desired) implements Mirror {}

    /** Make the cluster scope hold {@code add} and none of {@code remove}; nothing else changed. */
    record Delta(Set<Cidr> add, Set<Cidr> remove) implements Mirror {
        boolean isEmpty() {
            return add.isEmpty() && remove.isEmpty();
        }
    }

    private final Map<Integer, Set<Cidr>> shards = new HashMap<>();
    /** What the Prefilter was last asked to hold for each shard (valid once a full mirror was asked for). */
    private final Map<Integer, Set<Cidr>> mirrored = new HashMap<>();
    /** Shards that may differ from {@link #mirrored}. */
    private final Set<Integer> dirty = new HashSet<>();
    /** What {@link #earlyAdds} has handed out; the first full mirror takes over from it. */
    private final Set<Cidr> addedEarly = new HashSet<>();
    /** No full mirror was asked for yet, or the last request failed: the next one compares everything. */
    private boolean fullNeeded = true;

    /** The shard's value now. {@code value} is not copied: a view of an immutable CidrSet, or a set made here. */
    void record(int shard, Set<Cidr> value) {
        shards.put(shard, value);
        dirty.add(shard);
    }

    /** The shard is compared at the next mirror although its recorded value stays (see the start-up read). */
    void touch(int shard) {
        dirty.add(shard);
    }

    boolean contains(Cidr cidr) {
        return shards.getOrDefault(PrefilterReplication.shardOf(cidr), Set.of()).contains(cidr);
    }

    /** How many CIDRs the list holds. */
    long listed() {
        return shards.values().stream().mapToLong(Set::size).sum();
    }

    /**
     * Records a change a majority confirmed, before the replicator reports it, so the reply can mean enforced. One
     * copy per shard touched, not per CIDR: a batch of 10,000 over shards of 400 would otherwise copy millions.
     */
    void apply(List<Cidr> cidrs, boolean add) {
        Map<Integer, Set<Cidr>> touched = new HashMap<>();
        for (Cidr c : cidrs) {
            Set<Cidr> shard = touched.computeIfAbsent(
                    PrefilterReplication.shardOf(c), s -> new HashSet<>(shards.getOrDefault(s, Set.of())));
            if (add) {
                shard.add(c);
            } else {
                shard.remove(c);
            }
        }
        touched.forEach(this::record);
    }

    /**
     * While the start-up read goes on: the CIDRs of the changed shards among those read from a majority that were
     * not handed out before. Adds only — an entry the cluster holds can be enforced at once, whereas a removal must
     * wait until every shard is read; a shard merely notified may be this node's own stale replica.
     */
    Set<Cidr> earlyAdds(Set<Integer> heard) {
        Set<Cidr> add = new HashSet<>();
        for (int shard : dirty) {
            if (heard.contains(shard)) {
                for (Cidr c : shards.getOrDefault(shard, Set.of())) {
                    if (addedEarly.add(c)) {
                        add.add(c);
                    }
                }
            }
        }
        dirty.removeAll(heard);
        return add;
    }

    /** What brings the Prefilter to this view, recorded as mirrored; every shard must have been read. */
    Mirror nextMirror() {
        if (fullNeeded) {
            Set<Cidr> desired = union();
            addedEarly.clear();
            mirrored.clear();
            mirrored.putAll(shards);
            dirty.clear();
            fullNeeded = false;
            return new Full(desired);
        }
        Set<Cidr> add = new HashSet<>();
        Set<Cidr> remove = new HashSet<>();
        for (int shard : dirty) {
            Set<Cidr> now = shards.getOrDefault(shard, Set.of());
            Set<Cidr> before = mirrored.getOrDefault(shard, Set.of());
            now.stream().filter(c -> !before.contains(c)).forEach(add::add);
            before.stream().filter(c -> !now.contains(c)).forEach(remove::add);
            mirrored.put(shard, now);
        }
        dirty.clear();
        return new Delta(add, remove);
    }

    /** The Prefilter refused or did not answer: what it holds is no longer known, so compare everything next. */
    void mirrorFailed() {
        fullNeeded = true;
    }

    Set<Cidr> union() {
        Set<Cidr> all = new HashSet<>();
        shards.values().forEach(all::addAll);
        return all;
    }
}
