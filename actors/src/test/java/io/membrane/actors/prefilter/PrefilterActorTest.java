package io.membrane.actors.prefilter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.membrane.datapath.DatapathMaps;
import io.membrane.maps.BpfMap;
import io.membrane.maps.KernelTest;
import io.membrane.maps.net.Cidr;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The Prefilter actor's protocol over real pinned maps, and its restart: state comes back from the maps. */
@Tag("kernel")
class PrefilterActorTest {
    static final ActorTestKit TESTKIT = ActorTestKit.create();

    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @TempDir
    Path runDir;

    private final List<BpfMap<?, ?>> opened = new ArrayList<>();
    private final DatapathMaps specs = new DatapathMaps(new DatapathMaps.Sizes(64, 64, 64, 64, 64, 64, 64));

    @AfterAll
    static void shutdown() {
        TESTKIT.shutdownTestKit();
    }

    @AfterEach
    void close() {
        opened.forEach(BpfMap::close);
    }

    /** Opens the four maps from their pins, as a restarted agent would. */
    private PrefilterTable freshTable() {
        var fix4 = kernel.pins().openOrCreate(specs.spec(DatapathMaps.CIDR4_FIX));
        var dyn4 = kernel.pins().openOrCreate(specs.spec(DatapathMaps.CIDR4_DYN));
        var fix6 = kernel.pins().openOrCreate(specs.spec(DatapathMaps.CIDR6_FIX));
        var dyn6 = kernel.pins().openOrCreate(specs.spec(DatapathMaps.CIDR6_DYN));
        opened.addAll(List.of(fix4, dyn4, fix6, dyn6));
        return new PrefilterTable(fix4, dyn4, fix6, dyn6, true, true);
    }

    private static List<Cidr> cidrs(String... text) {
        return java.util.Arrays.stream(text).map(Cidr::parse).toList();
    }

    @Test
    void addGetRemoveWithRevisions() {
        ActorRef<Prefilter.Command> prefilter =
                TESTKIT.spawn(Prefilter.create(this::freshTable, runDir.resolve("rev")));
        TestProbe<Prefilter.Result> results = TESTKIT.createTestProbe();
        TestProbe<Prefilter.Snapshot> snapshots = TESTKIT.createTestProbe();

        prefilter.tell(new Prefilter.Add(
                cidrs("203.0.113.0/24", "2001:db8::1"), Scope.NODE, OptionalLong.of(1), results.getRef()));
        assertEquals(new Prefilter.Applied(2, 2), results.receiveMessage());

        prefilter.tell(new Prefilter.Add(cidrs("10.0.0.0/8"), Scope.NODE, OptionalLong.of(1), results.getRef()));
        Prefilter.Rejected stale = assertInstanceOf(Prefilter.Rejected.class, results.receiveMessage());
        assertEquals(PrefilterException.Reason.STALE_REVISION, stale.reason());

        prefilter.tell(new Prefilter.Get(snapshots.getRef()));
        Prefilter.Snapshot snapshot = snapshots.receiveMessage();
        assertEquals(2, snapshot.revision());
        assertEquals(cidrs("203.0.113.0/24", "2001:db8::1/128"), snapshot.deny());

        prefilter.tell(new Prefilter.Remove(cidrs("2001:db8::1"), Scope.NODE, OptionalLong.empty(), results.getRef()));
        assertEquals(new Prefilter.Applied(3, 1), results.receiveMessage());
    }

    @Test
    void restartRebuildsStateFromThePinnedMaps() {
        ActorRef<Prefilter.Command> prefilter =
                TESTKIT.spawn(Behaviors.supervise(Prefilter.create(this::freshTable, runDir.resolve("rev")))
                        .onFailure(SupervisorStrategy.restart()));
        TestProbe<Prefilter.Result> results = TESTKIT.createTestProbe();
        TestProbe<Prefilter.Snapshot> snapshots = TESTKIT.createTestProbe();
        prefilter.tell(new Prefilter.Add(
                cidrs("198.51.100.0/24", "198.51.100.9"), Scope.NODE, OptionalLong.empty(), results.getRef()));
        results.expectMessageClass(Prefilter.Applied.class);

        // The child fails: its map handles go away under it, so its next write throws and it is restarted.
        opened.forEach(BpfMap::close);
        prefilter.tell(new Prefilter.Add(cidrs("10.0.0.0/8"), Scope.NODE, OptionalLong.empty(), results.getRef()));
        results.expectNoMessage(Duration.ofMillis(300));

        prefilter.tell(new Prefilter.Get(snapshots.getRef()));
        Prefilter.Snapshot after = snapshots.receiveMessage();
        assertEquals(cidrs("198.51.100.0/24", "198.51.100.9/32"), after.deny(), "rebuilt from the pinned maps");
        assertEquals(2, after.revision(), "the revision survived the restart");
    }

    @Test
    void scopesAreKeptApartAndSurviveARestartInTheMapValues() {
        ActorRef<Prefilter.Command> prefilter =
                TESTKIT.spawn(Prefilter.create(this::freshTable, runDir.resolve("rev")));
        TestProbe<Prefilter.Result> results = TESTKIT.createTestProbe();
        TestProbe<Prefilter.Snapshot> snapshots = TESTKIT.createTestProbe();
        prefilter.tell(new Prefilter.Add(
                cidrs("10.1.0.0/16", "10.2.0.0/16"), Scope.NODE, OptionalLong.empty(), results.getRef()));
        results.expectMessageClass(Prefilter.Applied.class);
        // The cluster says: 10.2/16 and 10.3/16. 10.2/16 is now held by both scopes.
        prefilter.tell(new Prefilter.Reconcile(
                Scope.CLUSTER, java.util.Set.copyOf(cidrs("10.2.0.0/16", "10.3.0.0/16")), results.getRef()));
        assertEquals(new Prefilter.Applied(3, 2), results.receiveMessage());
        // Reconciling to the same set changes nothing and keeps the revision.
        prefilter.tell(new Prefilter.Reconcile(
                Scope.CLUSTER, java.util.Set.copyOf(cidrs("10.2.0.0/16", "10.3.0.0/16")), results.getRef()));
        assertEquals(new Prefilter.Applied(3, 0), results.receiveMessage());
        // The cluster drops both: 10.3/16 leaves the maps, 10.2/16 stays for the node scope.
        prefilter.tell(new Prefilter.Reconcile(Scope.CLUSTER, java.util.Set.of(), results.getRef()));
        assertEquals(new Prefilter.Applied(4, 2), results.receiveMessage());
        prefilter.tell(new Prefilter.Get(snapshots.getRef()));
        assertEquals(
                cidrs("10.1.0.0/16", "10.2.0.0/16"), snapshots.receiveMessage().deny());

        prefilter.tell(
                new Prefilter.Reconcile(Scope.CLUSTER, java.util.Set.copyOf(cidrs("10.9.0.0/16")), results.getRef()));
        results.expectMessageClass(Prefilter.Applied.class);
        TESTKIT.stop(prefilter);
        ActorRef<Prefilter.Command> restarted =
                TESTKIT.spawn(Prefilter.create(this::freshTable, runDir.resolve("rev")));
        restarted.tell(new Prefilter.Get(snapshots.getRef()));
        Prefilter.Snapshot after = snapshots.receiveMessage();
        assertEquals(
                java.util.Set.of(Scope.CLUSTER),
                after.entries().stream()
                        .filter(e -> e.cidr().equals(Cidr.parse("10.9.0.0/16")))
                        .findFirst()
                        .orElseThrow()
                        .scopes());
        assertEquals(java.util.Set.of(Scope.NODE), after.entries().get(0).scopes());
        // Removing a node-scoped CIDR from the cluster scope is refused: the cluster never held it.
        restarted.tell(
                new Prefilter.Remove(cidrs("10.1.0.0/16"), Scope.CLUSTER, OptionalLong.empty(), results.getRef()));
        assertEquals(
                PrefilterException.Reason.NOT_FOUND,
                assertInstanceOf(Prefilter.Rejected.class, results.receiveMessage())
                        .reason());
    }

    @Test
    void adjustTouchesOnlyTheNamedCidrsOfItsScope() {
        ActorRef<Prefilter.Command> prefilter =
                TESTKIT.spawn(Prefilter.create(this::freshTable, runDir.resolve("rev")));
        TestProbe<Prefilter.Result> results = TESTKIT.createTestProbe();
        TestProbe<Prefilter.Snapshot> snapshots = TESTKIT.createTestProbe();
        prefilter.tell(new Prefilter.Add(cidrs("10.1.0.0/16"), Scope.NODE, OptionalLong.empty(), results.getRef()));
        results.expectMessageClass(Prefilter.Applied.class);
        prefilter.tell(new Prefilter.Reconcile(
                Scope.CLUSTER, java.util.Set.copyOf(cidrs("10.2.0.0/16", "10.3.0.0/16")), results.getRef()));
        assertEquals(new Prefilter.Applied(3, 2), results.receiveMessage());

        // One shard changed: 10.3/16 went, 10.4/16 and 10.1/16 came. 10.2/16 is not named and stays; 10.1/16
        // gains the cluster scope next to its node scope.
        prefilter.tell(new Prefilter.Adjust(
                Scope.CLUSTER,
                java.util.Set.copyOf(cidrs("10.4.0.0/16", "10.1.0.0/16")),
                java.util.Set.copyOf(cidrs("10.3.0.0/16")),
                results.getRef()));
        assertEquals(new Prefilter.Applied(4, 3), results.receiveMessage());
        prefilter.tell(new Prefilter.Get(snapshots.getRef()));
        Prefilter.Snapshot after = snapshots.receiveMessage();
        assertEquals(cidrs("10.1.0.0/16", "10.2.0.0/16", "10.4.0.0/16"), after.deny());
        assertEquals(
                java.util.Set.of(Scope.NODE, Scope.CLUSTER),
                after.entries().get(0).scopes());

        // The same adjustment again changes nothing and keeps the revision; absent CIDRs nobody holds are fine.
        prefilter.tell(new Prefilter.Adjust(
                Scope.CLUSTER,
                java.util.Set.copyOf(cidrs("10.4.0.0/16", "10.1.0.0/16")),
                java.util.Set.copyOf(cidrs("10.3.0.0/16", "10.99.0.0/16")),
                results.getRef()));
        assertEquals(new Prefilter.Applied(4, 0), results.receiveMessage());
        // Taking the cluster scope from 10.1/16 leaves its node scope, and the entry in the maps.
        prefilter.tell(new Prefilter.Adjust(
                Scope.CLUSTER, java.util.Set.of(), java.util.Set.copyOf(cidrs("10.1.0.0/16")), results.getRef()));
        assertEquals(new Prefilter.Applied(5, 1), results.receiveMessage());
        prefilter.tell(new Prefilter.Get(snapshots.getRef()));
        assertEquals(
                java.util.Set.of(Scope.NODE),
                snapshots.receiveMessage().entries().get(0).scopes());
    }

    /**
     * A cluster-scope reconcile near a full map: swapping entries works (removals make room first), and one that
     * does not fit is refused as a whole — the kernel's map and the table are as before, even though part of the
     * batch (its removals, some adds) reached the kernel before the refusal and had to be undone.
     */
    @Test
    void aReconcileThatDoesNotFitLeavesTheMapsAsTheyWere() {
        DatapathMaps small = new DatapathMaps(new DatapathMaps.Sizes(64, 4, 64, 64, 64, 64, 64));
        var dyn4 = kernel.pins().openOrCreate(small.spec(DatapathMaps.CIDR4_DYN));
        var fix4 = kernel.pins().openOrCreate(small.spec(DatapathMaps.CIDR4_FIX));
        var fix6 = kernel.pins().openOrCreate(small.spec(DatapathMaps.CIDR6_FIX));
        var dyn6 = kernel.pins().openOrCreate(small.spec(DatapathMaps.CIDR6_DYN));
        opened.addAll(List.of(fix4, dyn4, fix6, dyn6));
        ActorRef<Prefilter.Command> prefilter = TESTKIT.spawn(
                Prefilter.create(() -> new PrefilterTable(fix4, dyn4, fix6, dyn6, true, true), runDir.resolve("rev")));
        TestProbe<Prefilter.Result> results = TESTKIT.createTestProbe();
        TestProbe<Prefilter.Snapshot> snapshots = TESTKIT.createTestProbe();
        prefilter.tell(new Prefilter.Add(cidrs("10.1.0.0/16"), Scope.NODE, OptionalLong.empty(), results.getRef()));
        results.expectMessageClass(Prefilter.Applied.class);
        prefilter.tell(new Prefilter.Reconcile(
                Scope.CLUSTER,
                java.util.Set.copyOf(cidrs("10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16")),
                results.getRef()));
        assertEquals(
                3,
                assertInstanceOf(Prefilter.Applied.class, results.receiveMessage())
                        .changed());

        // The map is full (4 of 4); three entries swapped for three others fit.
        prefilter.tell(new Prefilter.Reconcile(
                Scope.CLUSTER,
                java.util.Set.copyOf(cidrs("10.5.0.0/16", "10.6.0.0/16", "10.7.0.0/16")),
                results.getRef()));
        assertEquals(
                6,
                assertInstanceOf(Prefilter.Applied.class, results.receiveMessage())
                        .changed());
        java.util.Set<io.membrane.maps.net.Ipv4Prefix> before = new java.util.HashSet<>(dyn4.keys());
        assertEquals(
                java.util.Set.of("10.1.0.0/16", "10.5.0.0/16", "10.6.0.0/16", "10.7.0.0/16"),
                before.stream().map(Object::toString).collect(java.util.stream.Collectors.toSet()));
        prefilter.tell(new Prefilter.Get(snapshots.getRef()));
        Prefilter.Snapshot tableBefore = snapshots.receiveMessage();

        // Five for three does not fit: the three removals and some adds reach the kernel, then it says no.
        prefilter.tell(new Prefilter.Reconcile(
                Scope.CLUSTER,
                java.util.Set.copyOf(
                        cidrs("10.8.0.0/16", "10.9.0.0/16", "10.10.0.0/16", "10.11.0.0/16", "10.12.0.0/16")),
                results.getRef()));
        assertEquals(
                PrefilterException.Reason.MAP_FULL,
                assertInstanceOf(Prefilter.Rejected.class, results.receiveMessage())
                        .reason());
        assertEquals(before, new java.util.HashSet<>(dyn4.keys()), "the kernel's map as before");
        prefilter.tell(new Prefilter.Get(snapshots.getRef()));
        assertEquals(tableBefore, snapshots.receiveMessage(), "the table and revision as before");
    }
}
