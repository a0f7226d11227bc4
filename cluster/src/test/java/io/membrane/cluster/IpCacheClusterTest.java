package io.membrane.cluster;

import static io.membrane.cluster.ClusterTestSupport.api;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.AgentNode;
import io.membrane.actors.api.model.IpDeleted;
import io.membrane.actors.api.model.IpEntry;
import io.membrane.actors.ipcache.IpCache;
import io.membrane.actors.ipcache.IpCacheTable;
import io.membrane.maps.KernelTest;
import io.membrane.maps.net.Cidr;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three clustered agents in one JVM, each on a loopback address of its own (127.0.0.1..3, its underlay) with its
 * own pinned maps: an external CIDR put through n1 is in n3's membrane_ipcache with the right identity and goes
 * from every map when n2 deletes it; the nodes' own addresses are host and remote-node; a node's own entries and
 * its address leave the others' maps when it stops; two nodes' claims on one address resolve the same everywhere.
 */
@Tag("kernel")
class IpCacheClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private ThreeNodes three;
    private List<AgentNode> nodes;

    @BeforeEach
    void start() throws Exception {
        KernelTest.assumeKernel();
        three = ThreeNodes.start(
                "ip", i -> "pekko.remote.artery.canonical.hostname = \"127.0.0." + (i + 1) + "\"\n", WAIT);
        nodes = three.nodes;
    }

    @AfterEach
    void stop() throws IOException {
        if (three != null) {
            three.close();
        }
    }

    /** The node's membrane_ipcache straight from the kernel: CIDR to "identity node_addr". */
    private static Map<String, String> ipcacheMap(AgentNode node) {
        Map<String, String> out = new TreeMap<>();
        node.targets()
                .maps()
                .ipcache()
                .entries()
                .forEach((k, v) -> out.put(
                        IpCacheTable.cidrOf(k).toString(),
                        v.identity() + " "
                                + new Ipv4Prefix(v.nodeAddress(), 32).toString().replace("/32", "")));
        return out;
    }

    /** The nodes that publish a use of {@code id}, as n1's table shows them (empty once nobody uses it). */
    private Set<String> nodesUsing(int id) {
        return Set.copyOf(api(nodes.get(0)).identity(Integer.toString(id)).nodesUsing());
    }

    /** How many cluster identities n1's table holds. */
    private long clusterIdentities() {
        return api(nodes.get(0)).identities().stream()
                .filter(i -> i.scope().equals("cluster"))
                .count();
    }

    private void awaitEverywhere(String what, String cidr, String value) {
        for (AgentNode n : nodes) {
            await(what + " on " + n.config().runDir())
                    .atMost(WAIT)
                    .until(() -> java.util.Objects.equals(ipcacheMap(n).get(cidr), value));
        }
    }

    @Test
    void externalEntriesReachEveryMapWithTheirIdentityAndGoEverywhere() {
        // Every node maps its own address to host and the others' to remote-node, and a miss to world.
        await("node entries on n1")
                .atMost(WAIT)
                .until(
                        () -> ipcacheMap(nodes.get(0)),
                        m -> ("1 0.0.0.0").equals(m.get("127.0.0.1/32"))
                                && ("6 127.0.0.2").equals(m.get("127.0.0.2/32"))
                                && ("6 127.0.0.3").equals(m.get("127.0.0.3/32"))
                                && ("2 0.0.0.0").equals(m.get("0.0.0.0/0")));

        ClusterTestSupport.Response put = ClusterTestSupport.request(
                nodes.get(0), "PUT", "/v1/ip/198.51.100.0/24", "{\"labels\": [\"app=db\", \"env=prod\"]}");
        assertEquals(201, put.status(), put.body());
        IpEntry created = read(put.body(), IpEntry.class);
        assertEquals(List.of("user:app=db", "user:env=prod"), created.labels());
        assertEquals("external", created.source());
        int db = (int) created.identity();
        assertTrue(ipcacheMap(nodes.get(0)).containsKey("198.51.100.0/24"), "in the map of the node that answered");
        awaitEverywhere("198.51.100.0/24", "198.51.100.0/24", db + " 0.0.0.0");
        await("every node holds the identity's use")
                .atMost(WAIT)
                .until(() -> nodesUsing(db), h -> h.equals(Set.of("n1", "n2", "n3")));
        List<IpEntry> onN3 = api(nodes.get(2)).ips("198.51.100.0/24");
        assertEquals(1, onN3.size(), onN3.toString());
        assertEquals(List.of("user:app=db", "user:env=prod"), onN3.get(0).labels());

        // The same labels again: replaced (200), the same number. The slash may come encoded.
        ClusterTestSupport.Response again = ClusterTestSupport.request(
                nodes.get(1), "PUT", "/v1/ip/198.51.100.0%2F24", "{\"labels\": [\"env=prod\", \"app=db\"]}");
        assertEquals(200, again.status(), again.body());
        assertEquals(db, read(again.body(), IpEntry.class).identity());

        // Bad input: 400 naming the CIDR or the label; nothing allocated, nothing published.
        long allocated = clusterIdentities();
        assertRefused("PUT", "/v1/ip/198.51.100.7/24", "{\"labels\": [\"app=x\"]}", "cidr", "198.51.100.7/24");
        assertRefused("PUT", "/v1/ip/198.51.100.0/33", "{\"labels\": [\"app=x\"]}", "cidr", "198.51.100.0/33");
        assertRefused("PUT", "/v1/ip/203.0.113.0/24", "{\"labels\": [\"reserved:host\"]}", "labels", "reserved:host");
        assertRefused("PUT", "/v1/ip/203.0.113.0/24", "{\"labels\": [\"app=a b\"]}", "labels", "app=a b");
        assertRefused("PUT", "/v1/ip/203.0.113.0/24", "{\"labels\": [\"=x\"]}", "labels", "=x");
        assertRefused("PUT", "/v1/ip/203.0.113.0/24", "{\"labels\": []}", "labels", "[]");
        assertEquals(allocated, clusterIdentities(), "nothing allocated for refused input");
        assertTrue(api(nodes.get(0)).ips("203.0.113.0/24").isEmpty(), "nothing published for refused input");

        // Other labels: a new number everywhere, and the old one's uses released on every node.
        IpEntry changed = api(nodes.get(2)).putIp("198.51.100.0/24", List.of("app=cache"));
        int cache = (int) changed.identity();
        assertTrue(cache != db);
        awaitEverywhere("198.51.100.0/24 relabelled", "198.51.100.0/24", cache + " 0.0.0.0");
        await("the old identity's uses released").atMost(WAIT).until(() -> nodesUsing(db), Set::isEmpty);

        // Removed on n2: gone from every map, every use released; a second delete is fine.
        IpDeleted deleted = api(nodes.get(1)).deleteIp("198.51.100.0/24");
        assertTrue(deleted.deleted());
        awaitEverywhere("198.51.100.0/24 gone", "198.51.100.0/24", null);
        await("the uses released everywhere").atMost(WAIT).until(() -> nodesUsing(cache), Set::isEmpty);
        assertEquals(false, api(nodes.get(0)).deleteIp("198.51.100.0/24").deleted());
    }

    @Test
    void aBatchOfExternalEntriesIsPublishedWholeOrNotAtAll() {
        List<io.membrane.actors.api.model.IpBatch.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            // Two addresses per label set: 20 identities for 40 entries.
            entries.add(new io.membrane.actors.api.model.IpBatch.Entry(
                    "203.0.113." + i + "/32", List.of("app=batch" + (i % 20))));
        }
        long before = clusterIdentities();
        assertEquals(
                40,
                api(nodes.get(0))
                        .putIps(new io.membrane.actors.api.model.IpBatch(entries))
                        .published());
        assertEquals(before + 20, clusterIdentities(), "one number per label set of the batch");
        int first = (int) api(nodes.get(0)).ips("203.0.113.0/32").get(0).identity();
        int twentieth = (int) api(nodes.get(0)).ips("203.0.113.20/32").get(0).identity();
        assertEquals(first, twentieth, "the same labels, the same number");
        awaitEverywhere(
                "the batch's last entry",
                "203.0.113.39/32",
                (int) api(nodes.get(0)).ips("203.0.113.39/32").get(0).identity() + " 0.0.0.0");

        // One bad entry refuses the whole batch, naming it; nothing of it is published or allocated.
        long allocated = clusterIdentities();
        assertRefused(
                "PATCH",
                "/v1/ip",
                "{\"entries\": [{\"cidr\": \"203.0.113.100/32\", \"labels\": [\"app=new\"]},"
                        + " {\"cidr\": \"203.0.113.101/24\", \"labels\": [\"app=new2\"]}]}",
                "entries[1].cidr",
                "203.0.113.101/24");
        assertRefused(
                "PATCH",
                "/v1/ip",
                "{\"entries\": [{\"cidr\": \"203.0.113.100/32\", \"labels\": [\"app=new\"]},"
                        + " {\"cidr\": \"203.0.113.100/32\", \"labels\": [\"app=new2\"]}]}",
                "entries[1].cidr",
                "203.0.113.100/32");
        assertEquals(allocated, clusterIdentities(), "nothing allocated for a refused batch");
        assertTrue(api(nodes.get(0)).ips("203.0.113.100/32").isEmpty(), "nothing published for a refused batch");
    }

    @Test
    void aNodesOwnEntriesResolveTheSameEverywhereAndLeaveWithIt() throws Exception {
        AgentNode n2 = nodes.get(1);
        AgentNode n3 = nodes.get(2);
        publish(n2, Map.of(Cidr.parse("10.0.1.5/32"), 300, Cidr.parse("10.0.1.9/32"), 301));
        Thread.sleep(5); // a later claim time, whatever the clock's resolution
        publish(n3, Map.of(Cidr.parse("10.0.1.9/32"), 302));
        // n2 claimed 10.0.1.9 first: it wins on every node; the node address is n2's underlay off n2.
        for (AgentNode n : nodes) {
            await("the conflict on " + n.config().runDir())
                    .atMost(WAIT)
                    .until(
                            () -> api(n).ips("10.0.1.9/32"),
                            l -> l.size() == 1 && l.get(0).claims() == 2);
            IpEntry e = api(n).ips("10.0.1.9/32").get(0);
            assertEquals("n2", e.node());
            assertEquals(301, e.identity());
            // node_addr: n2's underlay, once the registry (gossip) has brought it.
            String value = n == n2 ? "301 0.0.0.0" : "301 127.0.0.2";
            await("n2's claim in the map of " + n.config().runDir())
                    .atMost(WAIT)
                    .until(() -> ipcacheMap(n).get("10.0.1.9/32"), value::equals);
            assertTrue(api(n).metrics().contains("membrane_ipcache_conflicts 1.0"), "conflict metric");
        }
        assertEquals("300 127.0.0.2", ipcacheMap(nodes.get(0)).get("10.0.1.5/32"));
        assertEquals("6 127.0.0.2", ipcacheMap(nodes.get(0)).get("127.0.0.2/32"));

        // n2 stops and is removed: its entries and its address leave the others' maps; n3's claim takes over.
        n2.close();
        nodes.remove(n2);
        for (AgentNode n : nodes) {
            await("n2's entries gone from " + n.config().runDir())
                    .atMost(Duration.ofSeconds(40))
                    .until(
                            () -> ipcacheMap(n),
                            m -> !m.containsKey("10.0.1.5/32")
                                    && !m.containsKey("127.0.0.2/32")
                                    && (n == n3 ? "302 0.0.0.0" : "302 127.0.0.3").equals(m.get("10.0.1.9/32")));
        }
        assertEquals(1, api(nodes.get(0)).ips("10.0.1.9/32").get(0).claims());
    }

    private void publish(AgentNode node, Map<Cidr, Integer> entries) {
        IpCache.Result r = node.targets()
                .cluster()
                .orElseThrow()
                .publishOwnIps(entries, Set.of())
                .toCompletableFuture()
                .join();
        assertInstanceOf(IpCache.Applied.class, r, r.toString());
    }

    private void assertRefused(String method, String path, String body, String field, String value) {
        ClusterTestSupport.Response r = ClusterTestSupport.request(nodes.get(0), method, path, body);
        assertEquals(400, r.status(), path + " " + body + ": " + r.body());
        io.membrane.actors.api.model.ApiError e = read(r.body(), io.membrane.actors.api.model.ApiError.class);
        assertEquals(field, e.field(), r.body());
        assertEquals(value, e.value(), r.body());
    }

    private static <T> T read(String body, Class<T> type) {
        return new ClusterTestSupport.Response(200, body).as(type);
    }
}
