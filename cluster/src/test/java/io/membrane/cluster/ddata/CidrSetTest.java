package io.membrane.cluster.ddata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.net.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.ORSet;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.junit.jupiter.api.Test;

/**
 * The replicated set's semantics: add and remove, a concurrent add winning over a remove, the merge laws that let
 * replicas converge whatever order they hear each other in, and pruning. The randomized test runs the same
 * operations on Pekko's own ORSet, whose algorithm this set follows, and requires the same elements throughout.
 */
class CidrSetTest {
    private static final UniqueAddress A = node("10.0.0.1", 1);
    private static final UniqueAddress B = node("10.0.0.2", 2);
    private static final UniqueAddress C = node("10.0.0.3", 3);
    private static final Cidr X = Cidr.parse("198.51.100.0/24");
    private static final Cidr Y = Cidr.parse("203.0.113.7");
    private static final Cidr Z = Cidr.parse("2001:db8::/32");

    private static UniqueAddress node(String host, long uid) {
        return new UniqueAddress(new Address("pekko", "membrane", host, 25520), uid);
    }

    @Test
    void addAndRemoveOnOneReplica() {
        CidrSet s = CidrSet.empty().add(A, X).addAll(A, List.of(Y, Z));
        assertEquals(Set.of(X, Y, Z), s.elements());
        assertEquals(3, s.versions().at(A), "one event per add");
        CidrSet r = s.removeAll(List.of(X, Z));
        assertEquals(Set.of(Y), r.elements());
        assertEquals(s.versions(), r.versions(), "a removal is not an event of its own");
        assertTrue(r.remove(Cidr.parse("10.0.0.0/8")) == r, "removing what is absent changes nothing");
    }

    @Test
    void aRemovalSeenAfterTheAddRemovesEverywhere() {
        CidrSet a = CidrSet.empty().add(A, X).add(A, Y);
        CidrSet b = CidrSet.empty().mergeData(a).remove(X); // b saw the add, then removed it
        assertEquals(Set.of(Y), a.mergeData(b).elements());
        assertEquals(Set.of(Y), b.mergeData(a).elements());
    }

    @Test
    void aConcurrentAddWinsOverARemove() {
        CidrSet base = CidrSet.empty().add(A, X);
        CidrSet removedOnB = CidrSet.empty().mergeData(base).remove(X);
        CidrSet addedAgainOnC = CidrSet.empty().mergeData(base).add(C, X); // C re-adds without seeing B's removal
        assertEquals(Set.of(X), removedOnB.mergeData(addedAgainOnC).elements());
        assertEquals(Set.of(X), addedAgainOnC.mergeData(removedOnB).elements());
    }

    @Test
    void anAddNotYetHeardOfIsKept() {
        CidrSet a = CidrSet.empty().add(A, X);
        CidrSet b = CidrSet.empty().add(B, Y);
        assertEquals(Set.of(X, Y), a.mergeData(b).elements());
    }

    @Test
    void pruningMovesARemovedNodesAddsToTheSurvivor() {
        CidrSet s = CidrSet.empty().add(A, X).add(B, Y).add(B, Z).remove(Z);
        assertTrue(s.needPruningFrom(B));
        assertEquals(2, s.modifiedByNodes().size());
        CidrSet pruned = s.prune(B, A);
        assertFalse(pruned.needPruningFrom(B));
        assertEquals(Set.of(X, Y), pruned.elements());
        assertEquals(0, pruned.dots().get(Y).at(B));
        // A replica that still holds B's adds (it missed the pruning) is cleaned before it merges: the element B
        // added and the survivor re-added stays, one it never re-added does not come back.
        CidrSet stale = CidrSet.empty().add(B, Y).add(B, Z);
        CidrSet cleaned = stale.pruningCleanup(B);
        assertFalse(cleaned.needPruningFrom(B));
        assertEquals(Set.of(X, Y), pruned.mergeData(cleaned).elements());
        assertEquals(Set.of(X, Y), cleaned.mergeData(pruned).elements());
    }

    @Test
    void aSetWhoseDotsItsVectorHasNotSeenIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> CidrSet.of(Map.of(X, Versions.of(A, 2)), Versions.of(A, 1)));
        assertThrows(IllegalArgumentException.class, () -> CidrSet.of(Map.of(X, Versions.empty()), Versions.of(A, 1)));
        assertThrows(IllegalArgumentException.class, () -> Versions.of(new UniqueAddress[] {B, A}, new long[] {1, 1}));
        assertThrows(IllegalArgumentException.class, () -> Versions.of(A, 0));
    }

    /**
     * Three replicas, thousands of random adds, removals and one-way merges (what gossip does), applied to this
     * set and to Pekko's ORSet alike: the elements agree after every step, and in the end, when every replica
     * has heard every other, all replicas hold the same set. Along the way the merge laws are checked on the
     * states the run produces: commutative, associative and idempotent.
     */
    @Test
    void behavesAsPekkosOrSetUnderRandomOperationsAndMergesConverge() {
        UniqueAddress[] nodes = {A, B, C};
        List<Cidr> universe = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            universe.add(Cidr.parse("10.0." + i + ".0/24"));
        }
        universe.add(Z);
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            CidrSet[] ours = {CidrSet.empty(), CidrSet.empty(), CidrSet.empty()};
            @SuppressWarnings("unchecked")
            ORSet<Cidr>[] pekko = new ORSet[] {ORSet.empty(), ORSet.empty(), ORSet.empty()};
            for (int step = 0; step < 400; step++) {
                int r = random.nextInt(3);
                Cidr c = universe.get(random.nextInt(universe.size()));
                switch (random.nextInt(4)) {
                    case 0 -> {
                        ours[r] = ours[r].add(nodes[r], c);
                        pekko[r] = pekko[r].add(new SelfUniqueAddress(nodes[r]), c);
                    }
                    case 1 -> {
                        ours[r] = ours[r].remove(c);
                        pekko[r] = pekko[r].remove(new SelfUniqueAddress(nodes[r]), c);
                    }
                    default -> {
                        int from = random.nextInt(3);
                        CidrSet before = ours[r];
                        ours[r] = ours[r].mergeData(ours[from]);
                        pekko[r] = (ORSet<Cidr>) pekko[r].merge(pekko[from]);
                        assertEquals(ours[r], ours[from].mergeData(before), "commutative (seed " + seed + ")");
                        assertEquals(ours[r], ours[r].mergeData(ours[from]), "idempotent (seed " + seed + ")");
                        CidrSet other = ours[random.nextInt(3)];
                        assertEquals(
                                before.mergeData(ours[from]).mergeData(other),
                                before.mergeData(ours[from].mergeData(other)),
                                "associative (seed " + seed + ")");
                    }
                }
                assertEquals(pekko[r].getElements(), ours[r].elements(), "seed " + seed + ", step " + step);
            }
            CidrSet all = ours[0].mergeData(ours[1]).mergeData(ours[2]);
            ORSet<Cidr> allPekko = (ORSet<Cidr>) pekko[0].merge(pekko[1]).merge(pekko[2]);
            assertEquals(allPekko.getElements(), all.elements(), "seed " + seed);
            for (CidrSet replica : ours) {
                assertEquals(all, replica.mergeData(all), "every replica converges (seed " + seed + ")");
            }
            // Pruning a node away keeps the elements, on either merge order.
            CidrSet pruned = all.prune(B, A);
            assertEquals(all.elements(), pruned.elements(), "seed " + seed);
            assertEquals(((ORSet<Cidr>) allPekko.prune(B, A)).getElements(), pruned.elements(), "seed " + seed);
        }
    }
}
