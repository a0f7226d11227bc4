package io.membrane.cluster;

import static io.membrane.cluster.ClusterTestSupport.api;
import static io.membrane.cluster.ClusterTestSupport.deleteTree;
import static io.membrane.cluster.ClusterTestSupport.freePort;
import static io.membrane.cluster.ClusterTestSupport.nodeConfig;
import static io.membrane.cluster.ClusterTestSupport.nodeConfigText;
import static io.membrane.cluster.ClusterTestSupport.prefilter;
import static io.membrane.cluster.ClusterTestSupport.upMembers;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.PrefilterState;
import io.membrane.actors.cli.Cli;
import io.membrane.cluster.ClusterTestSupport.Response;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.KernelTest;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;

/**
 * The cluster-scoped deny list survives a restart of every node at once: it lives in Distributed Data's LMDB
 * store under each node's run dir, so the restarted nodes read it back instead of hearing an empty list and
 * clearing their maps. Three clustered agents in one JVM, then a single-node cluster; each node keeps its pin
 * root and run dir across the restart and gets new Artery ports (the store's place must not depend on them).
 * Also: uninstall removes the store, and an agent JVM without the opens LMDB needs refuses to start.
 */
@Tag("kernel")
class DurablePrefilterTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final DatapathMaps MAPS = new DatapathMaps(ClusterTestSupport.MAP_SIZES);
    private static final List<String> KEPT = List.of("203.0.113.0/24", "198.51.100.0/24");
    private static final String DELETED = "10.77.0.0/16";

    private final List<AgentNode> running = new ArrayList<>();
    private final List<PinnedMaps> pins = new ArrayList<>();
    private final List<Path> runDirs = new ArrayList<>();

    @BeforeEach
    void kernel() {
        KernelTest.assumeKernel();
    }

    @AfterEach
    void cleanUp() throws IOException {
        RuntimeException first = null;
        for (AgentNode n : running) {
            try {
                n.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        pins.forEach(PinnedMaps::removeAll);
        for (Path dir : runDirs) {
            deleteTree(dir);
        }
        if (first != null) {
            throw first;
        }
    }

    @Test
    void wholeClusterRestartKeepsTheClusterDenyListInEveryNodesMaps() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 6);
        for (int i = 0; i < 3; i++) {
            pins.add(PinnedMaps.at(Path.of("/sys/fs/bpf", "mbr-test-du-" + id + "-n" + (i + 1))));
            runDirs.add(Files.createTempDirectory("mbr-du-n" + (i + 1)));
        }
        startCluster(3);
        Response add = prefilter(running.get(0), "PATCH", body(List.of(KEPT.get(0), KEPT.get(1), DELETED), "cluster"));
        assertEquals(200, add.status(), add.body());
        await(DELETED + " heard by n2")
                .atMost(WAIT)
                .until(() -> clusterEntries(running.get(1)), entries -> entries.containsKey(DELETED));
        Response del = prefilter(running.get(1), "DELETE", body(List.of(DELETED), "cluster"));
        assertEquals(200, del.status(), del.body());
        for (AgentNode n : running) {
            await("the list on " + n.apiBase())
                    .atMost(WAIT)
                    .until(() -> clusterEntries(n).keySet(), cidrs -> cidrs.equals(new TreeSet<>(KEPT)));
        }

        // Every node stops, then all start again: from here on the pinned maps must never lose an entry.
        try (MapWatch watch = new MapWatch(pins, KEPT)) {
            List<Path> stores = running.stream().map(n -> n.config().ddataDir()).toList();
            for (AgentNode n : running) {
                n.close();
            }
            running.clear();
            for (Path store : stores) {
                List<String> keys = storedKeys(store);
                assertFalse(keys.isEmpty(), "nothing stored in " + store);
                assertTrue(
                        keys.stream().allMatch(k -> k.matches("deny-\\d\\d\\d")),
                        "only the deny list is durable, not the node registry: " + keys);
            }
            startCluster(3);
            for (AgentNode n : running) {
                await("the list after the restart on " + n.apiBase())
                        .atMost(WAIT)
                        .until(() -> clusterEntries(n).keySet(), cidrs -> cidrs.equals(new TreeSet<>(KEPT)));
                Map<String, String> scopes = clusterEntries(n);
                assertEquals(
                        Map.of(KEPT.get(1), "[\"cluster\"]", KEPT.get(0), "[\"cluster\"]"),
                        scopes,
                        "scopes on " + n.apiBase());
                for (String c : KEPT) {
                    assertTrue(
                            n.targets()
                                    .maps()
                                    .cidr4Dyn()
                                    .lookup(Ipv4Prefix.parse(c))
                                    .map(PrefilterFlag::clusterScoped)
                                    .orElse(false),
                            c + " in the maps of " + n.apiBase());
                }
            }
            // Until now the maps could merely still hold what was pinned. A cluster change makes every node
            // reconcile its maps with the replicated list it read back; without the durable store that list is
            // empty and the reconcile would remove the entries the watch is looking at.
            watch.expect(List.of(KEPT.get(0)));
            // Refused (not 404) until n3 has read every part of the list back.
            await("n3 deleting " + KEPT.get(1))
                    .atMost(WAIT)
                    .until(
                            () -> prefilter(running.get(2), "DELETE", body(List.of(KEPT.get(1)), "cluster")),
                            r -> r.status() == 200);
            for (AgentNode n : running) {
                await(KEPT.get(1) + " gone from " + n.apiBase())
                        .atMost(WAIT)
                        .until(
                                () -> n.targets().maps().cidr4Dyn().lookup(Ipv4Prefix.parse(KEPT.get(1))),
                                Optional::isEmpty);
                assertEquals(Map.of(KEPT.get(0), "[\"cluster\"]"), clusterEntries(n), "the list on " + n.apiBase());
                assertTrue(
                        n.targets()
                                .maps()
                                .cidr4Dyn()
                                .lookup(Ipv4Prefix.parse(DELETED))
                                .isEmpty(),
                        DELETED + " stays deleted on " + n.apiBase());
            }
            watch.assertNeverMissing();
        }
    }

    @Test
    void singleNodeClusterKeepsItsClusterEntriesAcrossARestart() throws Exception {
        pins.add(PinnedMaps.at(Path.of(
                "/sys/fs/bpf", "mbr-test-du1-" + UUID.randomUUID().toString().substring(0, 6))));
        runDirs.add(Files.createTempDirectory("mbr-du1"));
        running.add(ClusterNode.start(config(0, 0, Optional.empty())));
        Response add = prefilter(running.get(0), "PATCH", body(KEPT, "cluster"));
        assertEquals(200, add.status(), add.body());
        AgentConfig config = running.get(0).config();
        assertTrue(Files.isRegularFile(config.ddataDir().resolve("data.mdb")), "LMDB store in " + config.ddataDir());

        try (MapWatch watch = new MapWatch(pins, KEPT)) {
            running.remove(0).close();
            running.add(ClusterNode.start(config(0, 0, Optional.empty())));
            AgentNode n = running.get(0);
            await("the node up in its own cluster").atMost(WAIT).until(() -> upMembers(n), up -> up == 1);
            // The replication bridge reconciles once it has read every shard; give it that, then look.
            await("the bridge ready for cluster changes")
                    .atMost(WAIT)
                    .until(
                            () -> prefilter(n, "PATCH", body(List.of("192.0.2.0/24"), "cluster")),
                            r -> r.status() == 200);
            assertEquals(
                    Map.of(KEPT.get(0), "[\"cluster\"]", KEPT.get(1), "[\"cluster\"]", "192.0.2.0/24", "[\"cluster\"]"),
                    clusterEntries(n));
            watch.assertNeverMissing();
        }
    }

    @Test
    void uninstallRemovesTheDurableStoreSoTheListIsGoneAfterwards() throws Exception {
        pins.add(PinnedMaps.at(Path.of(
                "/sys/fs/bpf", "mbr-test-du2-" + UUID.randomUUID().toString().substring(0, 6))));
        runDirs.add(Files.createTempDirectory("mbr-du2"));
        Path file = runDirs.get(0).resolve("membrane.conf");
        Files.writeString(file, configText(0, 0, Optional.empty()));
        running.add(ClusterNode.start(AgentConfig.load(Optional.of(file))));
        assertEquals(
                200, prefilter(running.get(0), "PATCH", body(KEPT, "cluster")).status());
        Path store = running.get(0).config().ddataDir();
        running.remove(0).close();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new Cli(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(new String[] {"uninstall", "--config", file.toString()});
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(
                out.toString(StandardCharsets.UTF_8).contains("removed the cluster's durable store " + store),
                out.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(store), store + " still there");

        running.add(ClusterNode.start(AgentConfig.load(Optional.of(file))));
        AgentNode n = running.get(0);
        await("the bridge ready for cluster changes")
                .atMost(WAIT)
                .until(() -> prefilter(n, "PATCH", body(List.of("192.0.2.0/24"), "cluster")), r -> r.status() == 200);
        assertEquals(Map.of("192.0.2.0/24", "[\"cluster\"]"), clusterEntries(n));
    }

    /** Starts (or restarts) nodes 1..n on fresh ports, node 1 the seed, and waits until all are up. */
    private void startCluster(int n) throws Exception {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = freePort();
        }
        String seed = "pekko://membrane@127.0.0.1:" + ports[0];
        for (int i = 0; i < n; i++) {
            running.add(ClusterNode.start(config(i, ports[i], Optional.of(seed))));
        }
        for (AgentNode node : running) {
            await(n + " members up on " + node.apiBase()).atMost(WAIT).until(() -> upMembers(node), up -> up == n);
        }
    }

    private AgentConfig config(int i, int port, Optional<String> seed) {
        return nodeConfig(
                pins.get(i).root(),
                runDirs.get(i),
                "n" + (i + 1),
                port,
                seed.map(ClusterTestSupport::seedLine).orElse(""));
    }

    private String configText(int i, int port, Optional<String> seed) {
        return nodeConfigText(
                pins.get(i).root(),
                runDirs.get(i),
                "n" + (i + 1),
                port,
                seed.map(ClusterTestSupport::seedLine).orElse(""));
    }

    /**
     * Polls every node's pinned IPv4 LPM map straight from bpffs (no agent involved, so it sees the maps while
     * the agents are down and while they start) and records any moment an expected CIDR was missing.
     */
    private static final class MapWatch implements AutoCloseable {
        private final List<PinnedMaps> pins;
        private volatile List<String> expected;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong rounds = new AtomicLong();
        private final List<String> missing = new CopyOnWriteArrayList<>();
        private final List<Throwable> failures = new CopyOnWriteArrayList<>();
        private final Thread thread;

        MapWatch(List<PinnedMaps> pins, List<String> expected) {
            this.pins = pins;
            this.expected = expected;
            this.thread = new Thread(this::run, "map-watch");
            thread.start();
        }

        /** From now on only these must stay (a deliberate delete of the others follows). */
        void expect(List<String> now) {
            expected = now;
            long seen = rounds.get();
            // A round already under way may still look for the old list; a dead watch reports its failure later.
            await("two watch rounds on the new list")
                    .atMost(WAIT)
                    .until(rounds::get, r -> r >= seen + 2 || !thread.isAlive());
        }

        private void run() {
            try {
                while (!stop.get()) {
                    List<String> want = expected;
                    for (PinnedMaps p : pins) {
                        Optional<LpmTrieMap<Ipv4Prefix, PrefilterFlag>> map =
                                p.openExisting(MAPS.spec(DatapathMaps.CIDR4_DYN));
                        if (map.isEmpty()) {
                            missing.add("no map under " + p.root());
                            continue;
                        }
                        try (LpmTrieMap<Ipv4Prefix, PrefilterFlag> m = map.get()) {
                            for (String c : want) {
                                if (m.lookup(Ipv4Prefix.parse(c)).isEmpty()) {
                                    missing.add(c + " missing under " + p.root());
                                }
                            }
                        }
                    }
                    rounds.incrementAndGet();
                    Thread.sleep(2);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                failures.add(e);
            }
        }

        void assertNeverMissing() {
            if (!failures.isEmpty()) {
                throw new AssertionError("the map watch failed", failures.get(0));
            }
            assertTrue(rounds.get() > 100, "the watch looked only " + rounds.get() + " times");
            assertEquals(
                    List.of(),
                    missing.stream().distinct().toList(),
                    "entries missing from a pinned map at " + "some point (" + missing.size() + " of " + rounds.get()
                            + " rounds)");
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join();
        }
    }

    private static String body(List<String> cidrs, String scope) {
        return "{\"deny\": ["
                + String.join(", ", cidrs.stream().map(c -> "\"" + c + "\"").toList()) + "], \"scope\": \"" + scope
                + "\"}";
    }

    /** CIDR → its scopes as JSON text, for the entries of GET /v1/prefilter that have the cluster scope. */
    private static Map<String, String> clusterEntries(AgentNode node) {
        Map<String, String> out = new TreeMap<>();
        for (PrefilterState.Entry e : api(node).prefilter().entries()) {
            if (e.scope().contains("cluster")) {
                out.put(e.cidr(), ApiJson.compact(e.scope()));
            }
        }
        return out;
    }

    /** The keys in a stopped node's LMDB store (Pekko keeps every durable key in one database, "ddata"). */
    private static List<String> storedKeys(Path dir) {
        List<String> keys = new ArrayList<>();
        try (Env<ByteBuffer> env =
                Env.create().setMaxDbs(1).open(dir.toFile(), EnvFlags.MDB_NOLOCK, EnvFlags.MDB_RDONLY_ENV)) {
            Dbi<ByteBuffer> db = env.openDbi("ddata");
            try (Txn<ByteBuffer> txn = env.txnRead();
                    CursorIterable<ByteBuffer> it = db.iterate(txn)) {
                for (CursorIterable.KeyVal<ByteBuffer> kv : it) {
                    keys.add(StandardCharsets.UTF_8.decode(kv.key()).toString());
                }
            }
        }
        return keys;
    }
}
