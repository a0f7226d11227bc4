package io.membrane.cluster;

import static io.membrane.cluster.ClusterTestSupport.joinSelf;
import static io.membrane.cluster.ClusterTestSupport.unjoinedClusterKit;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.prefilter.Prefilter;
import io.membrane.actors.prefilter.PrefilterException;
import io.membrane.actors.prefilter.PrefilterTable;
import io.membrane.actors.prefilter.Scope;
import io.membrane.cluster.ddata.CidrSet;
import io.membrane.maps.net.Cidr;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster bridge's phases in one actor system, with a recording stand-in for the Prefilter: before the node is
 * Up a change waits (and is refused once it has waited {@link PrefilterReplication#READ_WAIT}); once Up the bridge
 * reads every key, mirrors the whole list, then serves the waiting change; a serving bridge refuses what a node-scoped
 * change is refused for, with the same reasons, and mirrors another writer's adds and removals.
 */
class PrefilterReplicationTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private ActorTestKit kit;
    /** Every request the stand-in Prefilter received, in order. */
    private final ConcurrentLinkedQueue<Prefilter.Command> requests = new ConcurrentLinkedQueue<>();
    /** What the stand-in's cluster scope holds. */
    private final Set<Cidr> held = ConcurrentHashMap.newKeySet();

    private ActorRef<PrefilterReplication.Command> bridge;

    @BeforeEach
    void start() {
        kit = unjoinedClusterKit("replication");
    }

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    /** Holds the cluster scope as a set and answers like the Prefilter: revision 10 and up, one per change. */
    private Behavior<Prefilter.Command> standIn(long revision) {
        return Behaviors.receive(Prefilter.Command.class)
                .onMessage(Prefilter.Get.class, g -> {
                    requests.add(g);
                    g.replyTo()
                            .tell(new Prefilter.Snapshot(
                                    revision,
                                    held.stream()
                                            .map(c -> new PrefilterTable.Entry(c, Set.of(Scope.CLUSTER)))
                                            .toList()));
                    return Behaviors.same();
                })
                .onMessage(Prefilter.Reconcile.class, r -> {
                    requests.add(r);
                    Set<Cidr> changed = new HashSet<>(held);
                    changed.removeAll(r.desired());
                    int count = changed.size()
                            + (int) r.desired().stream()
                                    .filter(c -> !held.contains(c))
                                    .count();
                    held.retainAll(r.desired());
                    held.addAll(r.desired());
                    return answer(r.replyTo(), revision, count);
                })
                .onMessage(Prefilter.Adjust.class, a -> {
                    requests.add(a);
                    int count = (int) (a.present().stream().filter(held::add).count()
                            + a.absent().stream().filter(held::remove).count());
                    return answer(a.replyTo(), revision, count);
                })
                .build();
    }

    private Behavior<Prefilter.Command> answer(ActorRef<Prefilter.Result> replyTo, long revision, int changed) {
        if (changed == 0) {
            replyTo.tell(new Prefilter.Applied(revision, 0));
            return Behaviors.same();
        }
        replyTo.tell(new Prefilter.Applied(revision + 1, changed));
        return standIn(revision + 1);
    }

    private void startBridge() {
        bridge = kit.spawn(PrefilterReplication.create(kit.spawn(standIn(10))));
    }

    private static List<Cidr> cidrs(String... text) {
        return java.util.Arrays.stream(text).map(Cidr::parse).toList();
    }

    private Prefilter.Result change(List<Cidr> cidrs, boolean add, OptionalLong revision) {
        TestProbe<Prefilter.Result> reply = kit.createTestProbe();
        bridge.tell(new PrefilterReplication.Change(cidrs, add, revision, reply.getRef()));
        return reply.receiveMessage(WAIT);
    }

    /** Writes to this node's replica as another node's bridge would, bypassing this one. */
    private void writeAround(Cidr cidr, boolean add) {
        TestProbe<Replicator.UpdateResponse<CidrSet>> probe = kit.createTestProbe();
        var self = DistributedData.get(kit.system()).selfUniqueAddress().uniqueAddress();
        DistributedData.get(kit.system())
                .replicator()
                .tell(new Replicator.Update<>(
                        PrefilterReplication.key(PrefilterReplication.shardOf(cidr)),
                        CidrSet.empty(),
                        Replicator.writeLocal(),
                        probe.getRef(),
                        s -> add ? s.addAll(self, List.of(cidr)) : s.removeAll(List.of(cidr))));
        probe.expectMessageClass(Replicator.UpdateSuccess.class);
    }

    @Test
    void aChangeBeforeUpWaitsForTheReadAndTheFullMirror() throws Exception {
        Cidr before = Cidr.parse("198.51.100.1");
        writeAround(before, true); // the list already holds one entry (read back from disk, say)
        startBridge();
        TestProbe<Prefilter.Result> reply = kit.createTestProbe();
        Cidr added = Cidr.parse("203.0.113.0/24");
        bridge.tell(new PrefilterReplication.Change(List.of(added), true, OptionalLong.empty(), reply.getRef()));
        reply.expectNoMessage(Duration.ofMillis(500));
        assertTrue(requests.isEmpty(), "nothing mirrored before the node is Up: " + requests);

        joinSelf(kit);
        // Confirmed, then mirrored by the full reconcile or after it (the changed count is the request's own).
        assertEquals(
                1,
                assertInstanceOf(Prefilter.Applied.class, reply.receiveMessage(WAIT))
                        .changed());
        assertEquals(Set.of(before, added), held);
        List<Prefilter.Command> seen = List.copyOf(requests);
        int full = seen.indexOf(seen.stream()
                .filter(Prefilter.Reconcile.class::isInstance)
                .findFirst()
                .orElseThrow());
        assertTrue(((Prefilter.Reconcile) seen.get(full)).desired().contains(before), "the whole list read: " + seen);
        assertTrue(
                seen.subList(0, full).stream()
                        .allMatch(r ->
                                r instanceof Prefilter.Adjust a && a.absent().isEmpty()),
                "only adds before every key is read: " + seen);
    }

    @Test
    void aChangeThatCannotBeReadForIsRefusedAfterItsWait() {
        startBridge(); // never joins: never Up
        long t0 = System.nanoTime();
        Prefilter.Rejected refused =
                assertInstanceOf(Prefilter.Rejected.class, change(cidrs("203.0.113.0/24"), true, OptionalLong.empty()));
        double waited = (System.nanoTime() - t0) / 1e9;
        assertEquals(PrefilterException.Reason.NOT_CONFIRMED, refused.reason());
        assertTrue(refused.message().contains("has not read the cluster's deny list"), refused.message());
        assertTrue(waited >= PrefilterReplication.READ_WAIT.toSeconds() - 0.5, "refused after " + waited + " s");
        assertTrue(requests.isEmpty(), "nothing mirrored: " + requests);
    }

    @Test
    void servingRefusesWhatTheNodePathRefusesAndMirrorsOtherWriters() throws Exception {
        startBridge();
        joinSelf(kit);
        await("the node up")
                .atMost(WAIT)
                .until(() -> Cluster.get(kit.system()).selfMember().status(), status -> status == MemberStatus.up());
        assertEquals(new Prefilter.Applied(11, 1), change(cidrs("10.1.0.0/16"), true, OptionalLong.empty()));

        Prefilter.Rejected duplicate = assertInstanceOf(
                Prefilter.Rejected.class, change(cidrs("10.2.0.0/16", "10.2.0.0/16"), true, OptionalLong.empty()));
        assertEquals(
                new Prefilter.Rejected(
                        PrefilterException.Reason.DUPLICATE, "10.2.0.0/16", "10.2.0.0/16: listed more than once"),
                duplicate);
        assertEquals(
                new Prefilter.Rejected(
                        PrefilterException.Reason.NOT_FOUND,
                        "10.3.0.0/16",
                        "10.3.0.0/16: not in the cluster-scoped deny list"),
                change(cidrs("10.1.0.0/16", "10.3.0.0/16"), false, OptionalLong.empty()));
        assertEquals(
                new Prefilter.Rejected(
                        PrefilterException.Reason.STALE_REVISION,
                        "10",
                        "revision 10 is stale: the current revision is 11"),
                change(cidrs("10.9.0.0/16"), true, OptionalLong.of(10)));
        assertEquals(
                PrefilterException.Reason.EMPTY,
                assertInstanceOf(Prefilter.Rejected.class, change(List.of(), true, OptionalLong.empty()))
                        .reason());
        assertEquals(Set.of(Cidr.parse("10.1.0.0/16")), held, "nothing refused was mirrored");
        assertEquals(new Prefilter.Applied(12, 1), change(cidrs("10.1.0.0/16"), false, OptionalLong.of(11)));

        Cidr remote = Cidr.parse("2001:db8::/32");
        writeAround(remote, true);
        await("another writer's add mirrored").atMost(WAIT).until(() -> Set.copyOf(held), h -> h.contains(remote));
        writeAround(remote, false);
        await("another writer's removal mirrored").atMost(WAIT).until(() -> Set.copyOf(held), Set::isEmpty);
    }
}
