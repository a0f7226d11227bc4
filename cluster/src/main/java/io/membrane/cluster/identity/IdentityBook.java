package io.membrane.cluster.identity;

import io.membrane.actors.identity.IdentityScope;
import io.membrane.actors.identity.LabelSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The decider's book of cluster identities, without actors or Distributed Data: which number each label set has,
 * which number is free next, and when each number was last asked for and last seen in use. Deterministic: time is
 * passed in, never read, so a model test can drive it through any history.
 *
 * <p>A number goes through three states. <b>writing</b>: given to a label set, its table entry not yet confirmed by
 * a majority; requests for the same labels join that write, nobody hears the number before it is confirmed.
 * <b>held</b>: confirmed, answered at once. <b>releasing</b>: nobody used or asked for it for the grace period, and
 * its removal is being written; requests for its labels wait for the removal and then get a number afresh. A number
 * is free only once its removal is confirmed ({@link #released}), and the search for a free number goes forward from
 * the last one given, so a released number is the last to be reused.
 *
 * <p>A book rebuilt from a majority read ({@link #rebuild}) starts every clock at the rebuild, so that a decider that
 * takes over never releases anything sooner than a grace period after it took over: it cannot know when the last
 * decider last saw a use.
 */
final class IdentityBook {
    enum State {
        WRITING,
        HELD,
        RELEASING
    }

    /** What a request gets: the number and whether it may be answered now ({@code HELD}) or after a write. */
    record Answer(int id, State state) {}

    private static final class Entry {
        final int id;
        final LabelSet labels;
        State state;
        long lastRequested;
        long lastSeenInUse;

        Entry(int id, LabelSet labels, State state, long now) {
            this.id = id;
            this.labels = labels;
            this.state = state;
            this.lastRequested = now;
            this.lastSeenInUse = now;
        }
    }

    private final int min;
    private final int max;
    private final Map<Integer, Entry> byId = new HashMap<>();
    private final Map<LabelSet, Entry> byLabels = new HashMap<>();
    /** The last number handed out; the search for the next starts after it. */
    private int last;

    IdentityBook(int min, int max) {
        if (min < IdentityScope.MIN_CLUSTER || max > IdentityScope.MAX_CLUSTER || min > max) {
            throw new IllegalArgumentException("range " + min + ".." + max + " is not inside the cluster range");
        }
        this.min = min;
        this.max = max;
        this.last = max;
    }

    /** The whole cluster range. */
    IdentityBook() {
        this(IdentityScope.MIN_CLUSTER, IdentityScope.MAX_CLUSTER);
    }

    /**
     * A book from the table a majority read returned: every entry held, every clock at {@code now}. Where the table
     * names one label set under two numbers (a write of a decider that died unconfirmed, seen by some replicas, and
     * the number its successor gave), both stay held: this book cannot tell which one callers were told, and
     * dropping the wrong one would let it go to other labels while it is in use. New requests get the lower; the
     * other is released like any number once nobody uses it.
     */
    static IdentityBook rebuild(Map<Integer, LabelSet> table, long now, int min, int max) {
        IdentityBook book = new IdentityBook(min, max);
        for (Map.Entry<Integer, LabelSet> e : new TreeMap<>(table).entrySet()) {
            int id = e.getKey();
            if (id < min || id > max) {
                continue;
            }
            Entry entry = new Entry(id, e.getValue(), State.HELD, now);
            book.byId.put(id, entry);
            book.byLabels.putIfAbsent(entry.labels, entry);
            book.last = id;
        }
        return book;
    }

    static IdentityBook rebuild(Map<Integer, LabelSet> table, long now) {
        return rebuild(table, now, IdentityScope.MIN_CLUSTER, IdentityScope.MAX_CLUSTER);
    }

    /**
     * The number of {@code labels}: the one it has, or (empty if every number is taken) a new one in state
     * {@code WRITING}, which the caller writes before it answers. Counts as a request either way.
     */
    Optional<Answer> request(LabelSet labels, long now) {
        Entry e = byLabels.get(labels);
        if (e == null) {
            int id = nextFree();
            if (id < 0) {
                return Optional.empty();
            }
            e = new Entry(id, labels, State.WRITING, now);
            put(e);
            last = id;
        }
        e.lastRequested = Math.max(e.lastRequested, now);
        return Optional.of(new Answer(e.id, e.state));
    }

    /** The table entry of {@code id} is confirmed: requests waiting for it may be answered. */
    void written(int id) {
        Entry e = byId.get(id);
        if (e != null && e.state == State.WRITING) {
            e.state = State.HELD;
        }
    }

    /**
     * Records that the members use {@code inUse} at {@code now}, then picks the held numbers that nobody used and
     * nobody asked for in the last {@code graceMillis}: they become {@code RELEASING}, and the caller writes their
     * removal. Ascending order.
     */
    List<Integer> releasable(Set<Integer> inUse, long now, long graceMillis) {
        for (int id : inUse) {
            Entry e = byId.get(id);
            if (e != null) {
                e.lastSeenInUse = Math.max(e.lastSeenInUse, now);
            }
        }
        List<Integer> out = new ArrayList<>();
        for (Entry e : byId.values()) {
            if (e.state == State.HELD && now - e.lastSeenInUse >= graceMillis && now - e.lastRequested >= graceMillis) {
                e.state = State.RELEASING;
                out.add(e.id);
            }
        }
        Collections.sort(out);
        return out;
    }

    /** The removal of {@code id} is confirmed: the number is free. */
    void released(int id) {
        Entry e = byId.get(id);
        if (e != null && e.state == State.RELEASING) {
            byId.remove(id);
            if (byLabels.remove(e.labels, e)) {
                // A second number of the same labels (see rebuild) answers for them from now on.
                byId.values().stream()
                        .filter(other -> other.labels.equals(e.labels))
                        .findFirst()
                        .ifPresent(other -> byLabels.put(other.labels, other));
            }
        }
    }

    /** Whether the replicated table's entry {@code id -> labels} is not this book's (and must be written over). */
    boolean isStale(int id, LabelSet labels) {
        Entry e = byId.get(id);
        return e == null || !e.labels.equals(labels);
    }

    Optional<LabelSet> labelsOf(int id) {
        Entry e = byId.get(id);
        return e == null ? Optional.empty() : Optional.of(e.labels);
    }

    Optional<State> stateOf(int id) {
        Entry e = byId.get(id);
        return e == null ? Optional.empty() : Optional.of(e.state);
    }

    Optional<Integer> numberOf(LabelSet labels) {
        Entry e = byLabels.get(labels);
        return e == null ? Optional.empty() : Optional.of(e.id);
    }

    int size() {
        return byId.size();
    }

    private void put(Entry e) {
        byId.put(e.id, e);
        byLabels.put(e.labels, e);
    }

    /** The first number after {@link #last} (cycling) that no entry has, or -1 when all are taken. */
    private int nextFree() {
        int span = max - min + 1;
        if (byId.size() >= span) {
            return -1;
        }
        int n = last;
        for (int i = 0; i < span; i++) {
            n = n >= max ? min : n + 1;
            if (!byId.containsKey(n)) {
                return n;
            }
        }
        return -1;
    }
}
