package io.membrane.cluster.ddata;

import io.membrane.cluster.wire.WireMessage;
import io.membrane.maps.net.Cidr;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.RemovedNodePruning;

/**
 * A replicated set of CIDRs: an observed-remove set without tombstones ("optimized OR-set", Bieniusa et al.
 * 2012; the algorithm of Pekko's {@code ORSet}), where a concurrent add wins over a remove. The set keeps a
 * version vector of every add it has seen, and each element the dots of the adds that put it there; a removal
 * simply drops the element, and a merge keeps an element that only one side holds unless the other side's vector
 * has seen the add — then the other side removed it.
 *
 * <p>Why not Pekko's {@code ORSet}: its serializer writes every element as a protobuf message holding its dot with
 * the node's full address, gzips the whole, and does so for the wire, for each node's digest and for the durable
 * store; a node joining a cluster that lists 100,000 CIDRs spent most of its start-up read there, and deltas of
 * big batches outgrew Artery's frame. This set holds {@link Cidr} values (no text to parse on every node) and is
 * written by the wire serializer as a node table plus a few bytes per element, in a canonical order so that equal
 * sets have equal digests.
 *
 * <p>Immutable. Removed nodes are pruned from the vectors ({@link RemovedNodePruning}), as Pekko does for its own
 * types, so a vector does not grow with every restart of every node.
 */
public final class CidrSet extends DottedData<CidrSet> implements WireMessage {
    private static final CidrSet EMPTY = new CidrSet(Map.of(), Versions.empty());

    /** Each element and its dots; never modified once the set is built. */
    private final Map<Cidr, Versions> dots;
    /** Every add this replica has seen. */
    private final Versions versions;

    private CidrSet(Map<Cidr, Versions> dots, Versions versions) {
        this.dots = dots;
        this.versions = versions;
    }

    public static CidrSet empty() {
        return EMPTY;
    }

    /**
     * A set from its parts, as a payload carries them. Every dot must be non-empty and seen by {@code versions}:
     * a set that claims an add its own vector has not seen is not one any replica could have made.
     *
     * @throws IllegalArgumentException naming the offending element
     */
    public static CidrSet of(Map<Cidr, Versions> dots, Versions versions) {
        Map<Cidr, Versions> copy = new HashMap<>(dots);
        for (Map.Entry<Cidr, Versions> e : copy.entrySet()) {
            if (e.getValue().isEmpty()) {
                throw new IllegalArgumentException(e.getKey() + ": element without dots");
            }
            if (!versions.covers(e.getValue())) {
                throw new IllegalArgumentException(
                        e.getKey() + ": dots " + e.getValue() + " newer than the set's versions " + versions);
            }
        }
        return new CidrSet(copy, versions);
    }

    /** The elements (unmodifiable). */
    public Set<Cidr> elements() {
        return Collections.unmodifiableSet(dots.keySet());
    }

    public boolean contains(Cidr cidr) {
        return dots.containsKey(cidr);
    }

    public int size() {
        return dots.size();
    }

    public boolean isEmpty() {
        return dots.isEmpty();
    }

    /** The set's version vector: every add it has seen. */
    @Override
    public Versions versions() {
        return versions;
    }

    /** Each element's dots (unmodifiable). */
    public Map<Cidr, Versions> dots() {
        return Collections.unmodifiableMap(dots);
    }

    /** This set with {@code cidr} added by {@code node}: one new event of the node, which becomes its dot. */
    public CidrSet add(UniqueAddress node, Cidr cidr) {
        return addAll(node, Set.of(cidr));
    }

    /** This set with every CIDR added by {@code node}, each add one event (as many single adds would make). */
    public CidrSet addAll(UniqueAddress node, Collection<Cidr> cidrs) {
        if (cidrs.isEmpty()) {
            return this;
        }
        Map<Cidr, Versions> next = new HashMap<>(dots);
        long counter = versions.at(node);
        for (Cidr c : cidrs) {
            next.put(c, Versions.of(node, ++counter));
        }
        return new CidrSet(next, versions.with(node, counter));
    }

    /**
     * This set without {@code cidr}. The vector already holds the add that is removed, so nothing else changes:
     * a replica that merges this sees the element gone and knows it saw the add.
     */
    public CidrSet remove(Cidr cidr) {
        return removeAll(Set.of(cidr));
    }

    /** This set without any of the CIDRs. */
    public CidrSet removeAll(Collection<Cidr> cidrs) {
        Map<Cidr, Versions> next = null;
        for (Cidr c : cidrs) {
            if (dots.containsKey(c)) {
                if (next == null) {
                    next = new HashMap<>(dots);
                }
                next.remove(c);
            }
        }
        return next == null ? this : new CidrSet(next, versions);
    }

    /**
     * Elements both sides hold keep the dots both share plus each side's dots the other has not seen; an element
     * one side holds stays only if the other side has not seen all of its dots (it is an add the other has not
     * heard of, not one it removed).
     */
    @Override
    public CidrSet mergeData(CidrSet that) {
        if (this == that || this.equals(that)) {
            return this;
        }
        Map<Cidr, Versions> merged = new HashMap<>(Math.max(dots.size(), that.dots.size()) * 4 / 3 + 1);
        for (Map.Entry<Cidr, Versions> e : dots.entrySet()) {
            Versions mine = e.getValue();
            Versions theirs = that.dots.get(e.getKey());
            Versions kept;
            if (theirs == null) {
                kept = that.versions.covers(mine) ? Versions.empty() : mine.unseenBy(that.versions);
            } else if (mine.equals(theirs)) {
                kept = mine;
            } else {
                kept = mine.notSharedWith(theirs)
                        .unseenBy(that.versions)
                        .merge(theirs.notSharedWith(mine).unseenBy(versions))
                        .merge(mine.sharedWith(theirs));
            }
            if (!kept.isEmpty()) {
                merged.put(e.getKey(), kept);
            }
        }
        for (Map.Entry<Cidr, Versions> e : that.dots.entrySet()) {
            if (!dots.containsKey(e.getKey()) && !versions.covers(e.getValue())) {
                merged.put(e.getKey(), e.getValue().unseenBy(versions));
            }
        }
        return new CidrSet(merged, versions.merge(that.versions));
    }

    /**
     * Moves a removed node's events to {@code collapseInto}: elements whose dots name the removed node are added
     * again by collapseInto, so they stay newer than any replica's record of the removed node's adds.
     */
    @Override
    public CidrSet prune(UniqueAddress removedNode, UniqueAddress collapseInto) {
        Versions pruned = versions.prune(removedNode, collapseInto);
        Set<Cidr> readd = new HashSet<>();
        for (Map.Entry<Cidr, Versions> e : dots.entrySet()) {
            if (e.getValue().at(removedNode) > 0) {
                readd.add(e.getKey());
            }
        }
        return new CidrSet(dots, pruned).addAll(collapseInto, readd);
    }

    /** Forgets a removed node whose pruning has been done everywhere (data from a replica that missed it). */
    @Override
    public CidrSet pruningCleanup(UniqueAddress removedNode) {
        Map<Cidr, Versions> next = new HashMap<>(dots.size() * 4 / 3 + 1);
        for (Map.Entry<Cidr, Versions> e : dots.entrySet()) {
            Versions v = e.getValue().without(removedNode);
            if (!v.isEmpty()) {
                next.put(e.getKey(), v);
            }
        }
        return new CidrSet(next, versions.without(removedNode));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CidrSet s && versions.equals(s.versions) && dots.equals(s.dots);
    }

    @Override
    public int hashCode() {
        return 31 * dots.hashCode() + versions.hashCode();
    }

    @Override
    public String toString() {
        return "CidrSet(" + dots.size() + " elements, versions " + versions + ")";
    }
}
