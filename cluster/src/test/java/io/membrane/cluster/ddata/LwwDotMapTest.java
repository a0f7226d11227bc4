package io.membrane.cluster.ddata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.junit.jupiter.api.Test;

/**
 * The replicated map of the identity table, the uses and the ipcache claims: a merge is a join (commutative,
 * associative, idempotent) over random histories, a put concurrent with a remove survives, an observed remove does
 * not come back, the later value wins, and pruning a removed node keeps every entry.
 */
class LwwDotMapTest {
    private static final SelfUniqueAddress A = node("10.0.0.1", 1);
    private static final SelfUniqueAddress B = node("10.0.0.2", 2);
    private static final SelfUniqueAddress C = node("10.0.0.3", 3);

    private static SelfUniqueAddress node(String host, long uid) {
        return new SelfUniqueAddress(new UniqueAddress(new Address("pekko", "membrane", host, 25520), uid));
    }

    @Test
    void aPutConcurrentWithARemoveSurvivesAndAnObservedRemoveStays() {
        LwwDotMap<String, String> base = LwwDotMap.<String, String>empty().put(A, "k", "a");
        LwwDotMap<String, String> removed = base.remove(A, "k");
        LwwDotMap<String, String> putAgain = base.put(B, "k", "b"); // B had seen A's put
        assertEquals("b", removed.mergeData(putAgain).get("k"), "B's put is newer than what A removed");
        assertEquals("b", putAgain.mergeData(removed).get("k"));
        assertNull(removed.mergeData(base).get("k"), "A's own put, which it removed, does not come back");
        assertNull(base.mergeData(removed).get("k"));
    }

    @Test
    void theLaterValueWinsOnBothSides() throws InterruptedException {
        LwwDotMap<Integer, String> first = LwwDotMap.<Integer, String>empty().put(A, 256, "old");
        Thread.sleep(2);
        LwwDotMap<Integer, String> second = LwwDotMap.<Integer, String>empty().put(B, 256, "new");
        assertEquals("new", first.mergeData(second).get(256));
        assertEquals("new", second.mergeData(first).get(256));
        // A writer that overwrites its own value moves its clock past it, whatever the wall clock says.
        LwwDotMap<Integer, String> over = first.put(A, 256, "again");
        assertTrue(over.slots().get(256).timestamp() > first.slots().get(256).timestamp());
    }

    /** A random history of puts and removes on three replicas that merge with each other now and then. */
    private static List<LwwDotMap<Integer, Integer>> histories(long seed) {
        Random r = new Random(seed);
        SelfUniqueAddress[] nodes = {A, B, C};
        List<LwwDotMap<Integer, Integer>> replicas =
                new ArrayList<>(List.of(LwwDotMap.empty(), LwwDotMap.empty(), LwwDotMap.empty()));
        for (int step = 0; step < 300; step++) {
            int i = r.nextInt(3);
            LwwDotMap<Integer, Integer> m = replicas.get(i);
            switch (r.nextInt(4)) {
                case 0, 1 -> m = m.put(nodes[i], r.nextInt(20), r.nextInt(1000));
                case 2 -> m = m.remove(nodes[i], r.nextInt(20));
                default -> m = m.mergeData(replicas.get(r.nextInt(3)));
            }
            replicas.set(i, m);
        }
        return replicas;
    }

    @Test
    void mergeIsCommutativeAssociativeAndIdempotent() {
        for (long seed = 0; seed < 50; seed++) {
            List<LwwDotMap<Integer, Integer>> h = histories(seed);
            LwwDotMap<Integer, Integer> a = h.get(0);
            LwwDotMap<Integer, Integer> b = h.get(1);
            LwwDotMap<Integer, Integer> c = h.get(2);
            assertEquals(a.mergeData(b), b.mergeData(a), "seed " + seed);
            assertEquals(a.mergeData(b).mergeData(c), a.mergeData(b.mergeData(c)), "seed " + seed);
            assertEquals(a.mergeData(a), a, "seed " + seed);
            assertEquals(a.mergeData(b).mergeData(b), a.mergeData(b), "seed " + seed);
        }
    }

    @Test
    void pruningARemovedNodeKeepsItsEntriesEverywhere() {
        LwwDotMap<String, String> m = LwwDotMap.<String, String>empty()
                .put(A, "a", "1")
                .put(B, "b", "2")
                .mergeData(LwwDotMap.<String, String>empty().put(C, "c", "3"));
        assertTrue(m.needPruningFrom(C.uniqueAddress()));
        LwwDotMap<String, String> pruned = m.prune(C.uniqueAddress(), A.uniqueAddress());
        assertEquals(Map.of("a", "1", "b", "2", "c", "3"), pruned.getEntries());
        assertEquals(0, pruned.versions().at(C.uniqueAddress()));
        // A replica that still has C's old put merges into the pruned one without losing or reviving anything.
        LwwDotMap<String, String> cleaned = m.pruningCleanup(C.uniqueAddress());
        assertEquals(pruned.getEntries(), pruned.mergeData(cleaned).getEntries());
    }

    @Test
    void aPayloadClaimingAPutItsVectorHasNotSeenIsRefused() {
        Versions dots = Versions.of(A.uniqueAddress(), 5);
        assertThrows(
                IllegalArgumentException.class,
                () -> LwwDotMap.of(
                        Map.of("k", new LwwDotMap.Slot<>("v", 1L, A.uniqueAddress(), dots)),
                        Versions.of(A.uniqueAddress(), 4)));
    }
}
