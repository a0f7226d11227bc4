package io.membrane.cluster.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.identity.LabelSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decider's book driven through random histories of a small cluster — requests from three nodes, writes and
 * removals confirmed in any order, uses dropped, release ticks, and hand-overs to a decider that rebuilds the book
 * from what a majority read could return (every confirmed write, and any subset of those still under way) — against
 * a reference of what every node holds. After every step: no number is held for two label sets, no label set under
 * two numbers, every held number is in the replicated table with its labels (nothing used was released), and a
 * label set that comes back gets its old number unless that number's removal was confirmed in between. A small
 * number range makes reuse and a full range common.
 */
class IdentityBookModelTest {
    private static final int MIN = 256;
    private static final int MAX = MIN + 15;
    private static final long GRACE = 100;
    private static final int NODES = 3;
    private static final List<LabelSet> LABELS = IntStream.range(0, 24)
            .mapToObj(i -> LabelSet.parseUser(List.of("app=a" + i, "env=" + (i % 3))))
            .toList();

    /** A table write under way: a put of {@code labels} at {@code id}, or (labels null) a removal. */
    private record Op(int id, LabelSet labels) {}

    private final class Cluster {
        final Random random;
        long now = 1_000;
        IdentityBook book = IdentityBook.rebuild(Map.of(), now, MIN, MAX);
        /** What a majority has confirmed: the replicated table. */
        final Map<Integer, LabelSet> table = new HashMap<>();

        final List<Op> inFlight = new ArrayList<>();
        /** What each node holds (its answers), labels to number. */
        final List<Map<LabelSet, Integer>> held = new ArrayList<>();
        /** Nodes waiting for a write (or a removal) to finish before they are answered. */
        final Map<LabelSet, Set<Integer>> waiting = new LinkedHashMap<>();

        final Map<LabelSet, Set<Integer>> deferred = new LinkedHashMap<>();
        /** The reference: the number each label set was last answered with, until that number's removal. */
        final Map<LabelSet, Integer> lastAnswered = new HashMap<>();

        int answers;
        int releases;
        int handOvers;

        Cluster(long seed) {
            random = new Random(seed);
            for (int n = 0; n < NODES; n++) {
                held.add(new HashMap<>());
            }
        }

        void step() {
            int r = random.nextInt(100);
            if (r < 40) {
                request(random.nextInt(NODES), LABELS.get(random.nextInt(LABELS.size())));
            } else if (r < 65) {
                completeOne();
            } else if (r < 80) {
                unuse();
            } else if (r < 97) {
                now += random.nextInt(60);
                tick();
            } else {
                handOver();
            }
            check();
        }

        void request(int node, LabelSet labels) {
            if (held.get(node).containsKey(labels)) {
                return; // held on the node: answered there, as the node side does
            }
            Optional<IdentityBook.Answer> answer = book.request(labels, now);
            if (answer.isEmpty()) {
                assertEquals(MAX - MIN + 1, book.size(), "refused while numbers are free");
                return;
            }
            int id = answer.get().id();
            switch (answer.get().state()) {
                case HELD -> answer(node, labels, id);
                case WRITING -> {
                    waiting.computeIfAbsent(labels, l -> new LinkedHashSet<>()).add(node);
                    if (inFlight.stream().noneMatch(o -> o.id() == id && labels.equals(o.labels()))) {
                        inFlight.add(new Op(id, labels));
                    }
                }
                case RELEASING ->
                    deferred.computeIfAbsent(labels, l -> new LinkedHashSet<>()).add(node);
            }
        }

        void answer(int node, LabelSet labels, int id) {
            assertEquals(labels, table.get(id), "answered " + id + " before its entry was confirmed");
            held.get(node).put(labels, id);
            answers++;
            Integer before = lastAnswered.put(labels, id);
            if (before != null) {
                assertEquals(before, id, labels + " changed its number without a release");
            }
        }

        void completeOne() {
            if (inFlight.isEmpty()) {
                return;
            }
            Op op = inFlight.remove(random.nextInt(inFlight.size()));
            if (op.labels() != null) {
                table.put(op.id(), op.labels());
                book.written(op.id());
                for (int node : take(waiting, op.labels())) {
                    answer(node, op.labels(), op.id());
                }
            } else {
                removed(op.id());
                book.released(op.id());
            }
            retryDeferred();
        }

        void removed(int id) {
            LabelSet labels = table.remove(id);
            if (labels != null) {
                lastAnswered.remove(labels, id);
            }
        }

        void retryDeferred() {
            for (LabelSet labels : new ArrayList<>(deferred.keySet())) {
                if (book.numberOf(labels).flatMap(book::stateOf).orElse(null) != IdentityBook.State.RELEASING) {
                    take(deferred, labels).forEach(n -> request(n, labels));
                }
            }
        }

        void unuse() {
            Map<LabelSet, Integer> mine = held.get(random.nextInt(NODES));
            if (!mine.isEmpty()) {
                List<LabelSet> keys = new ArrayList<>(mine.keySet());
                mine.remove(keys.get(random.nextInt(keys.size())));
            }
        }

        void tick() {
            Set<Integer> inUse = new HashSet<>();
            held.forEach(m -> inUse.addAll(m.values()));
            for (int id : book.releasable(inUse, now, GRACE)) {
                assertFalse(inUse.contains(id), id + " released while in use");
                inFlight.add(new Op(id, null));
                releases++;
            }
        }

        /**
         * The decider goes away with its writes under way; the next one reads a majority, which has every confirmed
         * write and may have any of the others. Nobody waiting was answered: they ask the new decider.
         */
        void handOver() {
            handOvers++;
            now += random.nextInt(30);
            for (Op op : inFlight) {
                if (random.nextBoolean()) {
                    if (op.labels() != null) {
                        table.put(op.id(), op.labels());
                    } else {
                        removed(op.id());
                    }
                }
            }
            inFlight.clear();
            book = IdentityBook.rebuild(table, now, MIN, MAX);
            Map<LabelSet, Set<Integer>> asking = new LinkedHashMap<>(waiting);
            deferred.forEach((l, n) ->
                    asking.computeIfAbsent(l, x -> new LinkedHashSet<>()).addAll(n));
            waiting.clear();
            deferred.clear();
            asking.forEach((labels, nodes) -> nodes.forEach(n -> request(n, labels)));
        }

        void check() {
            Map<Integer, LabelSet> byNumber = new TreeMap<>();
            Map<LabelSet, Integer> byLabels = new HashMap<>();
            for (Map<LabelSet, Integer> node : held) {
                node.forEach((labels, id) -> {
                    LabelSet other = byNumber.putIfAbsent(id, labels);
                    assertTrue(other == null || other.equals(labels), id + " held for " + other + " and " + labels);
                    Integer second = byLabels.putIfAbsent(labels, id);
                    assertTrue(second == null || second.equals(id), labels + " held as " + second + " and " + id);
                    assertEquals(labels, table.get(id), "held " + id + " is not in the table");
                    assertEquals(Optional.of(labels), book.labelsOf(id), "held " + id + " is not in the book");
                });
            }
        }
    }

    private static Set<Integer> take(Map<LabelSet, Set<Integer>> from, LabelSet labels) {
        Set<Integer> nodes = from.remove(labels);
        return nodes == null ? Set.of() : nodes;
    }

    static IntStream seeds() {
        return IntStream.range(0, 60);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void randomHistoriesKeepEveryNumberToOneLabelSet(long seed) {
        Cluster c = new Cluster(seed);
        for (int i = 0; i < 2_000; i++) {
            c.step();
        }
        assertTrue(c.answers > 0, "seed " + seed + " answered nothing");
    }

    @Test
    void theHistoriesExerciseEveryPath() {
        int answers = 0;
        int releases = 0;
        int handOvers = 0;
        for (long seed = 0; seed < 20; seed++) {
            Cluster c = new Cluster(seed);
            for (int i = 0; i < 2_000; i++) {
                c.step();
            }
            answers += c.answers;
            releases += c.releases;
            handOvers += c.handOvers;
        }
        assertTrue(answers > 1_000 && releases > 100 && handOvers > 100, answers + " " + releases + " " + handOvers);
    }

    @Test
    void aNewNumberIsTheNextFreeAfterTheLastAndAReleasedOneIsReusedLast() {
        IdentityBook book = new IdentityBook(MIN, MIN + 2);
        int a = book.request(LABELS.get(0), 0).orElseThrow().id();
        int b = book.request(LABELS.get(1), 0).orElseThrow().id();
        assertEquals(List.of(MIN, MIN + 1), List.of(a, b));
        book.written(a);
        book.written(b);
        assertEquals(List.of(a, b), book.releasable(Set.of(), GRACE, GRACE));
        assertEquals(
                IdentityBook.State.RELEASING,
                book.request(LABELS.get(0), GRACE).orElseThrow().state());
        book.released(a);
        assertEquals(MIN + 2, book.request(LABELS.get(2), GRACE).orElseThrow().id());
        assertEquals(a, book.request(LABELS.get(3), GRACE).orElseThrow().id(), "the released number, last");
        assertTrue(book.request(LABELS.get(4), GRACE).isEmpty(), "b is still releasing: the range is full");
    }

    @Test
    void aRebuiltBookWaitsAGracePeriodAndKeepsBothNumbersOfALabelSetUntilTheyAreUnused() {
        Map<Integer, LabelSet> read = Map.of(300, LABELS.get(0), 301, LABELS.get(1), 299, LABELS.get(1));
        IdentityBook book = IdentityBook.rebuild(read, 5_000);
        assertEquals(Optional.of(299), book.numberOf(LABELS.get(1)), "new requests get the lower");
        assertFalse(book.isStale(301, LABELS.get(1)), "either may be the one callers were told: both stay");
        assertFalse(book.isStale(299, LABELS.get(1)));
        assertFalse(book.isStale(300, LABELS.get(0)));
        assertEquals(List.of(), book.releasable(Set.of(), 5_000 + GRACE - 1, GRACE));
        assertEquals(List.of(299, 300), book.releasable(Set.of(301), 5_000 + GRACE, GRACE), "301 is in use");
        book.released(299);
        assertEquals(Optional.of(301), book.numberOf(LABELS.get(1)), "the one in use answers for the labels now");
        assertEquals(
                302, book.request(LABELS.get(2), 5_000 + GRACE).orElseThrow().id(), "after the highest read");
    }
}
