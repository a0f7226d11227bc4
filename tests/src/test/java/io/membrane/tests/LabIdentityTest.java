package io.membrane.tests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.membrane.actors.api.client.AdminTransport;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.lab.Lab;
import io.membrane.lab.Lab.Node;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Identities and the ipcache across three real agent processes in the lab. Allocation is driven the way a user
 * drives it before endpoints exist: {@code PUT /v1/ip/{cidr}} with labels, on every node at once. Every claim is
 * read back from each node's API and, for the ipcache, from each node's pinned {@code membrane_ipcache} map (read
 * by this process, as the datapath would). The lab's names are fixed: a lab left on this machine is removed first,
 * and the lab is removed afterwards whatever happened (logs in target/lab-logs).
 *
 * <p>Addresses: external workloads of the storms are /32s of 10.90.0.0/16 (node k writes 10.9k.r.i: distinct
 * addresses for one label set), the single external CIDRs are from 203.0.113.0/24. No traffic goes to any of them.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabIdentityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LabFixture FIXTURE = new LabFixture(System.nanoTime());
    private static final Consumer<String> LOG = FIXTURE.log();
    private static final int SETS = 150;
    private static final int ROUNDS = 3;

    private static Lab lab;
    /** A node a failed test left killed: started again before the next test. */
    private static Node relaunch;

    @org.junit.jupiter.api.BeforeEach
    void relaunchWhatAFailedTestKilled() {
        if (relaunch != null) {
            Node n = relaunch;
            relaunch = null;
            lab.launch(n);
            lab.awaitReady(n);
        }
    }

    @BeforeAll
    static void up() {
        lab = FIXTURE.up();
    }

    @AfterAll
    static void down() {
        FIXTURE.down("lab-logs-identity");
    }

    @Test
    @Order(1)
    void theSameLabelSetsAskedFromEveryNodeAtOnceGetOneNumberEach() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            int r = round;
            storm(lab.nodes(), SETS, (node, set) -> put(node, address(node, r, set), labels("s" + set, "r" + r)));
        }
        List<String> written = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            for (int set = 0; set < SETS; set++) {
                for (Node writer : lab.nodes()) {
                    written.add(address(writer, round, set) + "/32");
                }
            }
        }
        Map<String, Integer> numberOfSet = new HashMap<>();
        for (Node n : lab.nodes()) {
            Map<String, Integer> ips = awaitListed(n, written);
            for (int round = 0; round < ROUNDS; round++) {
                for (int set = 0; set < SETS; set++) {
                    String name = "s" + set + "/r" + round;
                    Set<Integer> ids = new HashSet<>();
                    for (Node writer : lab.nodes()) {
                        ids.add(ips.get(address(writer, round, set) + "/32"));
                    }
                    assertEquals(1, ids.size(), n.name() + ": the three nodes' addresses of " + name + ": " + ids);
                    int id = ids.iterator().next();
                    Integer before = numberOfSet.putIfAbsent(name, id);
                    assertEquals(before == null ? id : before, id, name + " has one number on every node");
                }
            }
        }
        assertEquals(
                SETS * ROUNDS, new HashSet<>(numberOfSet.values()).size(), "no number is shared by two label sets");
        for (Node n : lab.nodes()) {
            for (int set = 0; set < SETS; set += 37) {
                JsonNode id = getJson(n, "/v1/identity?labels=" + enc("app=s" + set + ",round=r0"));
                JsonNode one = id.isArray() ? id.get(0) : id;
                assertEquals(
                        (int) numberOfSet.get("s" + set + "/r0"), one.get("id").asInt(), n.name() + " table");
                assertEquals(List.of("user:app=s" + set, "user:round=r0"), texts(one.get("labels")));
                assertEquals("cluster", one.get("scope").asText());
            }
        }
    }

    @Test
    @Order(2)
    void anExternalCidrAddedOnOneNodeIsInEveryMapAndDeletedOnAnotherGoesEverywhere() {
        String cidr = "203.0.113.0/24";
        JsonNode put = put(lab.node(1), cidr, List.of("app=partner", "env=prod"));
        int id = put.get("identity").asInt();
        assertTrue(id >= 256 && id <= 65535, "a cluster identity: " + put);
        for (Node n : lab.nodes()) {
            awaitPinned(n, Ipv4Prefix.parse(cidr), id);
        }
        delete(lab.node(2), cidr);
        for (Node n : lab.nodes()) {
            awaitPinned(n, Ipv4Prefix.parse(cidr), -1);
        }
        delete(lab.node(3), cidr); // idempotent
    }

    @Test
    @Order(3)
    void anAgentRestartKeepsItsIpcacheEntriesThroughoutAndReconciles() throws Exception {
        Node n1 = lab.node(1);
        Node n2 = lab.node(2);
        Ipv4Prefix kept = Ipv4Prefix.parse("198.51.100.0/25");
        Ipv4Prefix deletedWhileDown = Ipv4Prefix.parse("198.51.100.128/26");
        Ipv4Prefix addedWhileDown = Ipv4Prefix.parse("198.51.100.192/26");
        int keptId =
                put(n1, kept.toString(), List.of("app=kept")).get("identity").asInt();
        int deletedId = put(n1, deletedWhileDown.toString(), List.of("app=deleted"))
                .get("identity")
                .asInt();
        awaitPinned(n2, kept, keptId);
        awaitPinned(n2, deletedWhileDown, deletedId);

        DatapathMaps maps = new DatapathMaps(lab.options().mapSizes());
        AtomicInteger polls = new AtomicInteger();
        AtomicInteger gaps = new AtomicInteger();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(
                () -> {
                    while (watching.get()) {
                        try (LpmTrieMap<IpcacheKey, IpcacheValue> map = PinnedMaps.at(n2.pinRoot())
                                .openExisting(maps.spec(DatapathMaps.IPCACHE))
                                .orElseThrow()) {
                            IpcacheValue v = map.entries().get(IpcacheKey.of(kept));
                            if (v == null || v.identity() != keptId) {
                                gaps.incrementAndGet();
                            }
                        }
                        polls.incrementAndGet();
                        try {
                            Thread.sleep(10);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "n2-ipcache-watcher");
        watcher.start();
        try {
            lab.stop(n2);
            delete(n1, deletedWhileDown.toString());
            int addedId = put(n1, addedWhileDown.toString(), List.of("app=added"))
                    .get("identity")
                    .asInt();
            lab.launch(n2);
            lab.awaitReady(n2);
            awaitPinned(n2, deletedWhileDown, -1);
            awaitPinned(n2, addedWhileDown, addedId);
        } finally {
            watching.set(false);
            watcher.join(5_000);
        }
        assertTrue(polls.get() > 50, "the watcher read n2's map " + polls.get() + " times");
        assertEquals(0, gaps.get(), "n2's pinned ipcache lost " + kept + " during its restart");
        awaitPinned(n2, kept, keptId);
        delete(n1, kept.toString());
        delete(n1, addedWhileDown.toString());
    }

    @Test
    @Order(4)
    void killingTheDecidersNodeInAStormLosesNoAllocationAndGivesNoDuplicate() throws Exception {
        Node decider = decider();
        List<Node> others = lab.nodes().stream().filter(n -> !n.equals(decider)).toList();
        LOG.accept("decider on " + decider.name());
        AtomicBoolean killed = new AtomicBoolean();
        AtomicInteger done = new AtomicInteger();
        int sets = 200;
        List<Future<?>> storm = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (Node n : others) {
                for (int set = 0; set < sets; set++) {
                    int s = set;
                    storm.add(pool.submit(() -> {
                        putRetrying(n, address(n, 7, s), labels("k" + s, "storm"));
                        if (done.incrementAndGet() == sets / 2 && killed.compareAndSet(false, true)) {
                            lab.kill9(decider);
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : storm) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
            if (killed.get()) {
                relaunch = decider;
            }
        }
        assertTrue(killed.get(), "the decider's node was killed during the storm");
        List<String> written = new ArrayList<>();
        for (int set = 0; set < sets; set++) {
            for (Node writer : others) {
                written.add(address(writer, 7, set) + "/32");
            }
        }
        Map<Integer, String> labelsOf = new HashMap<>();
        for (Node n : others) {
            Map<String, Integer> ips = awaitListed(n, written);
            for (int set = 0; set < sets; set++) {
                Set<Integer> ids = new HashSet<>();
                for (Node writer : others) {
                    ids.add(ips.get(address(writer, 7, set) + "/32"));
                }
                assertEquals(1, ids.size(), n.name() + ": k" + set + " has one number: " + ids);
                int id = ids.iterator().next();
                String before = labelsOf.putIfAbsent(id, "k" + set);
                assertEquals(before == null ? "k" + set : before, "k" + set, "number " + id + " given twice");
                JsonNode identity = getJson(n, "/v1/identity/" + id);
                assertEquals(List.of("user:app=k" + set, "user:round=storm"), texts(identity.get("labels")));
            }
        }
        relaunch = null;
        lab.launch(decider);
        lab.awaitReady(decider);
        await("the restarted " + decider.name() + " agrees")
                .atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .untilAsserted(() -> {
                    for (var e : labelsOf.entrySet()) {
                        JsonNode identity = getJson(decider, "/v1/identity/" + e.getKey());
                        assertEquals(
                                "user:app=" + e.getValue(),
                                texts(identity.get("labels")).get(0));
                    }
                });
    }

    @Test
    @Order(5)
    void theEntriesOfANodeThatIsStoppedAndRemovedDisappearEverywhere() {
        Node n3 = lab.node(3);
        Ipv4Prefix n3Address = Ipv4Prefix.parse(n3.address() + "/32");
        for (Node n : List.of(lab.node(1), lab.node(2))) {
            awaitPinned(n, n3Address, 6); // remote-node
        }
        awaitPinned(n3, n3Address, 1); // host, on itself
        lab.stop(n3);
        lab.awaitMembers(lab.node(1), 2, Duration.ofSeconds(45));
        for (Node n : List.of(lab.node(1), lab.node(2))) {
            awaitPinned(n, n3Address, -1);
        }
        lab.launch(n3);
        lab.awaitReady(n3);
        for (Node n : List.of(lab.node(1), lab.node(2))) {
            awaitPinned(n, n3Address, 6);
        }
    }

    // --- helpers ---

    interface NodeTask {
        void run(Node node, int set) throws Exception;
    }

    /** Every node runs {@code task} for sets 0..sets-1 at once (four requests in flight per node). */
    private static void storm(List<Node> nodes, int sets, NodeTask task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4 * nodes.size());
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int set = 0; set < sets; set++) {
                for (Node n : nodes) {
                    int s = set;
                    all.add(pool.submit(() -> {
                        task.run(n, s);
                        return null;
                    }));
                }
            }
            for (Future<?> f : all) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String address(Node writer, int round, int set) {
        return "10." + (90 + writer.index()) + "." + round + "." + set;
    }

    private static List<String> labels(String app, String round) {
        return List.of("app=" + app, "round=" + round);
    }

    private static JsonNode put(Node node, String cidr, List<String> labels) {
        AdminTransport.Response r = send(node, "PUT", "/v1/ip/" + cidr, Map.of("labels", labels));
        if (r.status() != 200 && r.status() != 201) {
            throw new AssertionError(
                    node.name() + ": PUT /v1/ip/" + cidr + ": HTTP " + r.status() + " " + r.bodyText());
        }
        return read(r);
    }

    /** A PUT that is answered 503 while no decider runs is asked again, as a user would. */
    private static void putRetrying(Node node, String address, List<String> labels) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            AdminTransport.Response r = send(node, "PUT", "/v1/ip/" + address + "/32", Map.of("labels", labels));
            if (r.status() == 200 || r.status() == 201) {
                return;
            }
            if (r.status() != 503 || System.nanoTime() > deadline) {
                throw new AssertionError(
                        node.name() + ": PUT " + address + ": HTTP " + r.status() + " " + r.bodyText());
            }
            Thread.sleep(200);
        }
    }

    private static void delete(Node node, String cidr) {
        AdminTransport.Response r = send(node, "DELETE", "/v1/ip/" + cidr, null);
        assertTrue(r.status() == 200 || r.status() == 204, node.name() + ": DELETE " + cidr + ": " + r.bodyText());
    }

    /**
     * The node's GET /v1/ip once it lists every one of {@code cidrs}: a write is answered once a majority has it,
     * and reaches a node outside that majority a moment later.
     */
    private static Map<String, Integer> awaitListed(Node node, List<String> cidrs) {
        return await(node.name() + " to list all " + cidrs.size() + " addresses")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> ipIdentities(node), ips -> ips.keySet().containsAll(cidrs));
    }

    /** GET /v1/ip of the node: CIDR → identity. */
    private static Map<String, Integer> ipIdentities(Node node) {
        Map<String, Integer> out = new HashMap<>();
        for (JsonNode e : getJson(node, "/v1/ip")) {
            out.put(e.get("cidr").asText(), e.get("identity").asInt());
        }
        return out;
    }

    /** The node that runs the identity decider, as GET /v1/cluster names it. */
    private static Node decider() {
        String address = getJson(lab.node(1), "/v1/cluster").get("decider").asText();
        return lab.nodes().stream()
                .filter(n -> n.artery().equals(address))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no lab node runs the decider " + address));
    }

    private static void awaitPinned(Node node, Ipv4Prefix prefix, int id) {
        LabFixture.awaitPinned(lab, node, prefix, id);
    }

    private static JsonNode getJson(Node node, String path) {
        AdminTransport.Response r = send(node, "GET", path, null);
        if (r.status() != 200) {
            throw new AssertionError(node.name() + ": GET " + path + ": HTTP " + r.status() + " " + r.bodyText());
        }
        return read(r);
    }

    private static AdminTransport.Response send(Node node, String method, String path, Object body) {
        try {
            byte[] bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
            Map<String, String> headers = body == null ? Map.of() : Map.of("Content-Type", "application/json");
            return lab.api(node).transport().send(new AdminTransport.Request(method, path, headers, bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(node.name() + ": " + method + " " + path, e);
        }
    }

    private static JsonNode read(AdminTransport.Response r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + r.bodyText(), e);
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.asText()));
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
