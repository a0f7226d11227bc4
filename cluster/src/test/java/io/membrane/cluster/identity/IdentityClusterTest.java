package io.membrane.cluster.identity;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.identity.Identity;
import io.membrane.actors.identity.IdentityAllocator;
import io.membrane.actors.identity.LabelSet;
import io.membrane.cluster.ClusterTestSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The identity allocator on three cluster nodes in this JVM (bare actor systems, no datapath): the decider
 * singleton on the oldest, each node's {@link ClusterIdentities} over its own replicator. Concurrent acquires of the
 * same label sets from every node give one number per set, the same everywhere; the decider's node leaving in the
 * middle of a storm loses nothing and duplicates nothing; a number dropped by every node is released after the
 * grace period and not before, and one still used by one node is not released.
 */
class IdentityClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final IdentitySettings FAST = new IdentitySettings(
            Duration.ofMinutes(5),
            Duration.ofMillis(200),
            Duration.ofSeconds(1),
            Duration.ofSeconds(30),
            Duration.ofSeconds(3));

    private final List<ActorTestKit> kits = new ArrayList<>();
    private final List<ClusterIdentities> nodes = new ArrayList<>();

    /** All at once: one after the other, the last nodes wait for a leave that needs the others (past 10 s). */
    @AfterEach
    void stop() throws Exception {
        kits.forEach(k -> k.system().terminate());
        for (ActorTestKit k : kits) {
            k.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    private void startCluster(IdentitySettings settings) {
        for (int i = 0; i < 3; i++) {
            ActorTestKit kit = ClusterTestSupport.unjoinedClusterKit("membrane");
            kits.add(kit);
            Cluster first = Cluster.get(kits.get(0).system());
            Cluster.get(kit.system())
                    .manager()
                    .tell(Join.create(first.selfMember().address()));
            // The first node joins first, so it is the oldest: the decider runs there.
            if (i == 0) {
                await("n1 up").atMost(WAIT).until(() -> first.selfMember().status() == MemberStatus.up());
            }
            CompletableFuture<ClusterIdentities> started = new CompletableFuture<>();
            String name = "n" + (i + 1);
            kit.spawn(
                    Behaviors.setup(ctx -> {
                        started.complete(ClusterIdentities.start(ctx, name, settings));
                        return Behaviors.empty();
                    }),
                    "identity-host");
            nodes.add(started.join());
        }
        await("three members up").atMost(WAIT).until(() -> kits.stream().allMatch(k -> upMembers(k) == 3));
    }

    private static long upMembers(ActorTestKit kit) {
        return java.util.stream.StreamSupport.stream(
                        Cluster.get(kit.system()).state().getMembers().spliterator(), false)
                .filter(m -> m.status() == MemberStatus.up())
                .count();
    }

    private static List<LabelSet> labelSets(String app, int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> LabelSet.parseUser(List.of("app=" + app + i, "env=test")))
                .toList();
    }

    /** Every node acquires every set, in its own random order, all at once; the answers by node. */
    private static List<CompletableFuture<Identity>> storm(
            IdentityAllocator node, List<LabelSet> sets, long seed, String holder) {
        List<LabelSet> order = new ArrayList<>(sets);
        Collections.shuffle(order, new Random(seed));
        List<CompletableFuture<Identity>> out = new ArrayList<>();
        for (LabelSet s : order) {
            out.add(node.acquire(s, holder).toCompletableFuture());
        }
        return out;
    }

    /** One number per label set across every answer, and no number for two sets. */
    private static Map<LabelSet, Integer> oneNumberPerSet(List<CompletableFuture<Identity>> answers) {
        Map<LabelSet, Integer> numbers = new HashMap<>();
        Map<Integer, LabelSet> sets = new HashMap<>();
        for (CompletableFuture<Identity> f : answers) {
            Identity id = f.join();
            Integer before = numbers.putIfAbsent(id.labels(), id.id());
            assertTrue(before == null || before == id.id(), id.labels() + " got " + before + " and " + id.id());
            LabelSet other = sets.putIfAbsent(id.id(), id.labels());
            assertTrue(
                    other == null || other.equals(id.labels()), id.id() + " given to " + other + " and " + id.labels());
            assertEquals(io.membrane.actors.identity.IdentityScope.CLUSTER, id.scope());
        }
        return numbers;
    }

    @Test
    void everyNodeAcquiringTheSameSetsAtOnceGetsOneNumberPerSetEverywhere() {
        startCluster(FAST);
        List<LabelSet> sets = labelSets("web", 300);
        for (int round = 0; round < 2; round++) {
            List<CompletableFuture<Identity>> all = new ArrayList<>();
            for (int n = 0; n < 3; n++) {
                all.addAll(storm(nodes.get(n), sets, n * 7L + round, "test:" + round));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                    .orTimeout(60, TimeUnit.SECONDS)
                    .join();
            Map<LabelSet, Integer> numbers = oneNumberPerSet(all);
            assertEquals(sets.size(), numbers.size());
            // Each node's table (from Distributed Data, no round trip) soon agrees, both ways.
            for (ClusterIdentities node : nodes) {
                await("the whole table on every node").atMost(WAIT).until(() -> numbers.entrySet().stream()
                        .allMatch(e -> node.byLabels(e.getKey())
                                        .map(Identity::id)
                                        .equals(Optional.of(e.getValue()))
                                && node.byId(e.getValue()).map(Identity::labels).equals(Optional.of(e.getKey()))));
            }
        }
        await("every node named as a user").atMost(WAIT).until(() -> nodes.get(0).all().stream()
                .filter(u -> u.identity().id() >= 256)
                .allMatch(u -> u.nodesUsing().equals(List.of("n1", "n2", "n3"))));
    }

    @Test
    void theDecidersNodeLeavingInTheMiddleOfAStormLosesAndDuplicatesNothing() {
        startCluster(FAST);
        List<LabelSet> early = labelSets("early", 100);
        List<CompletableFuture<Identity>> before = new ArrayList<>();
        before.addAll(storm(nodes.get(1), early, 1, "test"));
        before.addAll(storm(nodes.get(2), early, 2, "test"));
        CompletableFuture.allOf(before.toArray(CompletableFuture[]::new))
                .orTimeout(30, TimeUnit.SECONDS)
                .join();
        Map<LabelSet, Integer> held = oneNumberPerSet(before);

        List<LabelSet> sets = labelSets("storm", 1_000);
        AtomicInteger answered = new AtomicInteger();
        List<CompletableFuture<Identity>> all = new ArrayList<>();
        for (int n = 1; n < 3; n++) {
            storm(nodes.get(n), sets, 10 + n, "test")
                    .forEach(f -> all.add(f.whenComplete((i, e) -> answered.incrementAndGet())));
        }
        await("the storm under way").atMost(WAIT).until(() -> answered.get() >= 50);
        // The decider runs on n1, the oldest; leaving hands it over to n2.
        kits.get(0).system().terminate();
        assertTrue(answered.get() < all.size(), "the storm was over before the decider left");
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .orTimeout(60, TimeUnit.SECONDS)
                .join();
        List<CompletableFuture<Identity>> every = new ArrayList<>(before);
        every.addAll(all);
        Map<LabelSet, Integer> numbers = oneNumberPerSet(every);
        assertEquals(early.size() + sets.size(), numbers.size());
        // Every number is still held: the new decider answers the same for the sets held before and during.
        List<CompletableFuture<Identity>> again = new ArrayList<>();
        again.addAll(storm(nodes.get(2), early, 3, "again"));
        again.addAll(storm(nodes.get(1), sets, 4, "again"));
        again.forEach(f -> {
            Identity id = f.orTimeout(30, TimeUnit.SECONDS).join();
            assertEquals(numbers.get(id.labels()), id.id(), id.labels().toString());
        });
        assertTrue(
                held.entrySet().stream().allMatch(e -> numbers.get(e.getKey()).equals(e.getValue())));
    }

    @Test
    void aNumberNobodyUsesIsReleasedAfterTheGracePeriodAndNotBeforeAndAUsedOneNever() {
        Duration grace = Duration.ofSeconds(3);
        startCluster(new IdentitySettings(
                grace, Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(3)));
        LabelSet dropped = LabelSet.parseUser(List.of("app=dropped"));
        LabelSet kept = LabelSet.parseUser(List.of("app=kept"));
        Identity a = nodes.get(0).acquire(dropped, "ep:1").toCompletableFuture().join();
        Identity b = nodes.get(0).acquire(kept, "ep:2").toCompletableFuture().join();
        assertEquals(b, nodes.get(2).acquire(kept, "ep:3").toCompletableFuture().join());
        Set<Integer> numbers = new HashSet<>(List.of(a.id(), b.id()));
        assertEquals(2, numbers.size());
        await("both in every node's table").atMost(WAIT).until(() -> nodes.stream()
                .allMatch(n -> n.byId(a.id()).isPresent() && n.byId(b.id()).isPresent()));
        // n3 keeps `kept`; every user of `dropped` lets go (a second holder on n1 too, to check the count).
        assertEquals(
                a, nodes.get(0).acquire(dropped, "ep:4").toCompletableFuture().join());
        nodes.get(0).release(a.id(), "ep:1");
        nodes.get(0).release(a.id(), "ep:4");
        nodes.get(0).release(b.id(), "ep:2");
        long releasedAt = System.nanoTime();
        await("not released within the grace period")
                .during(grace.minusMillis(600))
                .atMost(grace.plusSeconds(5))
                .failFast("released before the grace period", () -> nodes.stream()
                        .anyMatch(n -> n.byId(a.id()).isEmpty()
                                && System.nanoTime() - releasedAt
                                        < grace.minusMillis(600).toNanos()))
                .until(() -> true);
        await("released on every node after the grace period").atMost(WAIT).until(() -> nodes.stream()
                .allMatch(n -> n.byId(a.id()).isEmpty() && n.byLabels(dropped).isEmpty()));
        assertTrue(System.nanoTime() - releasedAt >= grace.minusMillis(300).toNanos());
        // Two more grace periods: the set n3 still uses stays, on every node.
        await("a used number is never released")
                .during(grace.multipliedBy(2))
                .atMost(grace.multipliedBy(2).plusSeconds(5))
                .until(() -> nodes.stream()
                        .allMatch(n -> n.byId(b.id()).map(Identity::labels).equals(Optional.of(kept))));
        // The released labels come back with a number again (its old one is free, but the search goes forward).
        Identity back =
                nodes.get(1).acquire(dropped, "ep:5").toCompletableFuture().join();
        assertTrue(back.id() != b.id());
        assertEquals(b, nodes.get(1).acquire(kept, "ep:6").toCompletableFuture().join());
    }
}
