package io.membrane.actors.ipcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.identity.ReservedIdentity;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.maps.BpfMap;
import io.membrane.maps.KernelTest;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.net.Cidr;
import io.membrane.maps.net.Ipv4Prefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The IpCache actor over a real pinned LPM trie: its layers, the conflict rule, refusals, and a restart. */
@Tag("kernel")
class IpCacheActorTest {
    static final ActorTestKit TESTKIT = ActorTestKit.create();
    /** Room for the two world entries and six more: a batch of more is refused by the kernel part-way. */
    private static final int MAP_SIZE = 8;

    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    private final List<BpfMap<?, ?>> opened = new ArrayList<>();
    private final DatapathMaps specs = new DatapathMaps(new DatapathMaps.Sizes(64, 64, MAP_SIZE, 64, 64, 64, 64));
    private final IpCache.Current current = new IpCache.Current();
    private final TestProbe<IpCache.Result> results = TESTKIT.createTestProbe();
    private final TestProbe<IpCache.Snapshot> snapshots = TESTKIT.createTestProbe();

    @AfterAll
    static void shutdown() {
        TESTKIT.shutdownTestKit();
    }

    @AfterEach
    void close() {
        opened.forEach(BpfMap::close);
    }

    private LpmTrieMap<IpcacheKey, IpcacheValue> openMap() {
        LpmTrieMap<IpcacheKey, IpcacheValue> map = kernel.pins().openOrCreate(specs.spec(DatapathMaps.IPCACHE));
        opened.add(map);
        return map;
    }

    private ActorRef<IpCache.Command> spawn() {
        return TESTKIT.spawn(IpCache.create(() -> new IpCacheTable(openMap()), current));
    }

    /** What the kernel map holds, straight from a handle of its own: CIDR text to "identity node_addr". */
    private Map<String, String> kernelMap() {
        Map<String, String> out = new TreeMap<>();
        openMap()
                .entries()
                .forEach((k, v) -> out.put(
                        IpCacheTable.cidrOf(k).toString(),
                        v.identity() + " "
                                + new Ipv4Prefix(v.nodeAddress(), 32).toString().replace("/32", "")));
        return out;
    }

    private static IpCacheEntry external(String cidr, int identity) {
        return new IpCacheEntry(Cidr.parse(cidr), identity, "", IpCacheEntry.Source.EXTERNAL, 10);
    }

    private static IpCacheEntry endpoint(String cidr, int identity, String node, long at) {
        return new IpCacheEntry(Cidr.parse(cidr), identity, node, IpCacheEntry.Source.ENDPOINT, at);
    }

    private static IpCache.NodeAddresses node(String name, String address, long joined) {
        return new IpCache.NodeAddresses(name, List.of(Cidr.parse(address)), joined);
    }

    private IpCache.Applied applied() {
        return assertInstanceOf(IpCache.Applied.class, results.receiveMessage());
    }

    @Test
    void layersReconcileAndAdjustTouchOnlyWhatChanged() {
        ActorRef<IpCache.Command> cache = spawn();
        cache.tell(new IpCache.Get(Optional.empty(), snapshots.getRef()));
        assertFalse(snapshots.receiveMessage().complete());
        assertEquals(Map.of("0.0.0.0/0", "2 0.0.0.0", "::/0", "2 0.0.0.0"), kernelMap(), "a miss is world");

        cache.tell(new IpCache.SetNodes(
                "n1", List.of(node("n1", "10.0.0.1", 1), node("n2", "10.0.0.2", 2)), results.getRef()));
        assertEquals(2, applied().changed());
        cache.tell(new IpCache.Reconcile(
                List.of(external("198.51.100.0/24", 256), endpoint("10.0.1.5/32", 300, "n2", 5)), results.getRef()));
        assertEquals(2, applied().changed());
        assertEquals(
                Map.of(
                        "0.0.0.0/0", "2 0.0.0.0",
                        "::/0", "2 0.0.0.0",
                        "10.0.0.1/32", ReservedIdentity.HOST.id() + " 0.0.0.0",
                        "10.0.0.2/32", ReservedIdentity.REMOTE_NODE.id() + " 10.0.0.2",
                        "10.0.1.5/32", "300 10.0.0.2",
                        "198.51.100.0/24", "256 0.0.0.0"),
                kernelMap());

        // The same claims again change nothing; an adjust touches only the CIDRs it names.
        cache.tell(new IpCache.Reconcile(
                List.of(external("198.51.100.0/24", 256), endpoint("10.0.1.5/32", 300, "n2", 5)), results.getRef()));
        assertEquals(0, applied().changed());
        cache.tell(new IpCache.Adjust(
                Map.of(
                        Cidr.parse("198.51.100.0/24"),
                        List.of(),
                        Cidr.parse("203.0.113.0/24"),
                        List.of(external("203.0.113.0/24", 257))),
                results.getRef()));
        assertEquals(2, applied().changed());
        Map<String, String> map = kernelMap();
        assertFalse(map.containsKey("198.51.100.0/24"), map.toString());
        assertEquals("257 0.0.0.0", map.get("203.0.113.0/24"));
        assertEquals("300 10.0.0.2", map.get("10.0.1.5/32"));

        // n2 leaves: its address goes, and what it owned keeps no node address.
        cache.tell(new IpCache.SetNodes("n1", List.of(node("n1", "10.0.0.1", 1)), results.getRef()));
        applied();
        map = kernelMap();
        assertFalse(map.containsKey("10.0.0.2/32"), map.toString());
        assertEquals("300 0.0.0.0", map.get("10.0.1.5/32"));

        cache.tell(new IpCache.Get(Optional.of(Cidr.parse("10.0.0.0/8")), snapshots.getRef()));
        IpCache.Snapshot s = snapshots.receiveMessage();
        assertTrue(s.complete());
        assertEquals(
                List.of("10.0.0.1/32 node", "10.0.1.5/32 endpoint"),
                s.entries().stream()
                        .map(l -> l.entry().cidr() + " " + l.entry().source().text())
                        .toList());
        assertEquals(
                Map.of(
                        IpCacheEntry.Source.RESERVED, 2,
                        IpCacheEntry.Source.NODE, 1,
                        IpCacheEntry.Source.ENDPOINT, 1,
                        IpCacheEntry.Source.EXTERNAL, 1),
                current.counts().bySource());
    }

    @Test
    void conflictsResolveByTheRuleWhateverTheOrderAndAreCounted() {
        ActorRef<IpCache.Command> cache = spawn();
        // Two nodes claim one address, and an external entry covers it too: the earlier endpoint claim wins.
        List<IpCacheEntry> claims = List.of(
                endpoint("10.0.1.9/32", 300, "n2", 5),
                external("10.0.1.9/32", 400),
                endpoint("10.0.1.9/32", 301, "n3", 3));
        cache.tell(new IpCache.Reconcile(claims, results.getRef()));
        applied();
        assertEquals("301 0.0.0.0", kernelMap().get("10.0.1.9/32"));
        assertEquals(1, current.counts().conflicts());
        cache.tell(new IpCache.Reconcile(List.of(claims.get(2), claims.get(1), claims.get(0)), results.getRef()));
        assertEquals(0, applied().changed(), "the same winner whatever the order");
        cache.tell(new IpCache.Get(Optional.empty(), snapshots.getRef()));
        IpCache.Listed listed = snapshots.receiveMessage().entries().stream()
                .filter(l -> l.entry().cidr().equals(Cidr.parse("10.0.1.9/32")))
                .findFirst()
                .orElseThrow();
        assertEquals("n3", listed.entry().node());
        assertEquals(3, listed.claims());

        // Claims of one time: the smaller node name. A node's own address beats any endpoint claim on it.
        cache.tell(new IpCache.Adjust(
                Map.of(
                        Cidr.parse("10.0.1.9/32"),
                        List.of(endpoint("10.0.1.9/32", 302, "n9", 1), endpoint("10.0.1.9/32", 303, "n10", 1)),
                        Cidr.parse("10.0.0.1/32"),
                        List.of(endpoint("10.0.0.1/32", 304, "n2", 0))),
                results.getRef()));
        applied();
        cache.tell(new IpCache.SetNodes("n1", List.of(node("n1", "10.0.0.1", 100)), results.getRef()));
        applied();
        assertEquals("303 0.0.0.0", kernelMap().get("10.0.1.9/32"));
        assertEquals(ReservedIdentity.HOST.id() + " 0.0.0.0", kernelMap().get("10.0.0.1/32"));
        assertEquals(2, current.counts().conflicts());
    }

    @Test
    void aRefusedOrFailedBatchLeavesTheMapAsItWas() {
        ActorRef<IpCache.Command> cache = spawn();
        cache.tell(new IpCache.Reconcile(
                List.of(external("198.51.100.0/24", 256), endpoint("10.0.1.5/32", 300, "n2", 5)), results.getRef()));
        applied();
        Map<String, String> before = kernelMap();

        // Bad claims are refused before anything is written.
        List<IpCacheEntry> bad = List.of(
                external("203.0.113.0/24", 0),
                new IpCacheEntry(Cidr.parse("203.0.113.0/24"), 6, "n2", IpCacheEntry.Source.NODE, 0),
                new IpCacheEntry(Cidr.parse("0.0.0.0/0"), 300, "", IpCacheEntry.Source.EXTERNAL, 0));
        for (IpCacheEntry b : bad) {
            cache.tell(new IpCache.Adjust(
                    Map.of(Cidr.parse("10.0.1.5/32"), List.of(), b.cidr(), List.of(b)), results.getRef()));
            IpCache.Rejected r = assertInstanceOf(IpCache.Rejected.class, results.receiveMessage());
            assertEquals(IpCacheException.Reason.INVALID_ENTRY, r.reason(), r.message());
            assertEquals(before, kernelMap());
        }

        // More entries than the map has room for: the kernel refuses part-way, and the batch is undone.
        Map<Cidr, List<IpCacheEntry>> many = new java.util.HashMap<>();
        many.put(Cidr.parse("10.0.1.5/32"), List.of());
        for (int i = 0; i < MAP_SIZE; i++) {
            many.put(Cidr.parse("10.9." + i + ".0/24"), List.of(external("10.9." + i + ".0/24", 500 + i)));
        }
        cache.tell(new IpCache.Adjust(many, results.getRef()));
        IpCache.Rejected full = assertInstanceOf(IpCache.Rejected.class, results.receiveMessage());
        assertEquals(IpCacheException.Reason.MAP_FULL, full.reason(), full.message());
        assertEquals(before, kernelMap(), "nothing of the refused batch stays, the removal included");
        cache.tell(new IpCache.Get(Optional.empty(), snapshots.getRef()));
        assertEquals(4, snapshots.receiveMessage().entries().size(), "and the actor's view is as before");
    }

    @Test
    void aRestartKeepsThePinnedEntriesUntilTheClusterIsReadThenReconciles() {
        ActorRef<IpCache.Command> first = spawn();
        first.tell(new IpCache.Reconcile(
                List.of(external("198.51.100.0/24", 256), endpoint("10.0.1.5/32", 300, "n2", 5)), results.getRef()));
        applied();
        TESTKIT.stop(first);
        opened.forEach(BpfMap::close);
        opened.clear();
        Map<String, String> before = kernelMap();
        assertEquals(4, before.size(), before.toString());

        ActorRef<IpCache.Command> restarted = spawn();
        assertEquals(before, kernelMap(), "the restart removed nothing");
        // Before the cluster's state is read in full, a change adds but removes nothing.
        restarted.tell(new IpCache.Adjust(
                Map.of(
                        Cidr.parse("10.0.1.5/32"),
                        List.of(),
                        Cidr.parse("203.0.113.0/24"),
                        List.of(external("203.0.113.0/24", 257))),
                results.getRef()));
        applied();
        Map<String, String> early = kernelMap();
        assertEquals("300 0.0.0.0", early.get("10.0.1.5/32"), "no removal before the first reconcile");
        assertEquals("257 0.0.0.0", early.get("203.0.113.0/24"));

        // The cluster's state in full: what nobody claims goes, the rest stays as it was.
        restarted.tell(new IpCache.Reconcile(
                List.of(external("198.51.100.0/24", 256), external("203.0.113.0/24", 257)), results.getRef()));
        assertEquals(1, applied().changed());
        assertEquals(
                Map.of(
                        "0.0.0.0/0", "2 0.0.0.0",
                        "::/0", "2 0.0.0.0",
                        "198.51.100.0/24", "256 0.0.0.0",
                        "203.0.113.0/24", "257 0.0.0.0"),
                kernelMap());
    }
}
