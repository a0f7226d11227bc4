package io.membrane.tests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.membrane.actors.api.model.PrefilterChange;
import io.membrane.actors.api.model.PrefilterChanged;
import io.membrane.actors.api.model.PrefilterState;
import io.membrane.lab.Lab;
import io.membrane.lab.Lab.Node;
import io.membrane.topology.Command;
import io.membrane.topology.Namespaces;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three real agent processes, each in its own network namespace with the XDP prefilter on its fabric device,
 * clustered over the lab fabric; every claim is checked with real pings from the client namespace (and with
 * each node's API and pinned maps). The lab comes up once for the class and is removed afterwards whatever
 * happened (its logs are kept in target/lab-logs). The lab's names are fixed: a lab left on this machine is
 * removed first.
 *
 * <p>Client sources: .100 denied and undenied cluster-wide; .101 never denied (the control); .102 denied before
 * node 3 dies and deleted while it is dead; .103 denied while node 3 is dead but not yet downed; .104 denied in
 * the two-node cluster; .105 node-scoped on node 1. 10.79.0.199 (no client uses it) is denied cluster-wide before
 * node 3 dies and kept: node 3's map must hold it through the whole restart.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OTHER = Lab.CLIENT_OTHER;
    private static final LabFixture FIXTURE = new LabFixture(System.nanoTime());
    private static final Consumer<String> LOG = FIXTURE.log();

    private static Lab lab;

    @BeforeAll
    static void up() {
        lab = FIXTURE.up();
    }

    @AfterAll
    static void down() {
        FIXTURE.down("lab-logs");
    }

    @Test
    @Order(1)
    void clusterScopedDenyAddedOnOneNodeDropsTheClientEverywhereAndDeletedOnAnotherLetsItBack() {
        Node n1 = lab.node(1);
        Node n2 = lab.node(2);
        Node n3 = lab.node(3);
        for (Node n : lab.nodes()) {
            assertEquals(3, lab.ping(Lab.CLIENT, n, 3), "before: " + Lab.CLIENT + " reaches " + n.name());
        }
        long dropsBefore = drops(n3);

        deny(n1, "PATCH", Lab.CLIENT, "cluster");
        for (Node n : List.of(n3, n2, n1)) {
            awaitDeny(n, Lab.CLIENT, true);
            assertEquals(0, lab.ping(Lab.CLIENT, n, 3), Lab.CLIENT + " to " + n.name() + " is dropped");
            assertEquals(3, lab.ping(OTHER, n, 3), OTHER + " to " + n.name() + " still gets replies");
        }
        assertTrue(
                drops(n3) >= dropsBefore + 3,
                "n3's XDP prefilter counted the drops: " + dropsBefore + " -> " + drops(n3));
        assertEquals(List.of("cluster"), entry(n3, Lab.CLIENT).scope());

        deny(n2, "DELETE", Lab.CLIENT, "cluster");
        for (Node n : lab.nodes()) {
            awaitDeny(n, Lab.CLIENT, false);
            assertEquals(3, lab.ping(Lab.CLIENT, n, 3), "after the delete " + Lab.CLIENT + " reaches " + n.name());
        }
    }

    @Test
    @Order(2)
    void aNodeScopedEntryStaysOnItsNode() {
        Node n1 = lab.node(1);
        String src = "10.79.0.105";
        deny(n1, "PATCH", src, "node");
        assertEquals(0, lab.ping(src, n1, 3), src + " is dropped by n1");
        // Give replication ample time to do what it must not do; failFast looks at every poll of that second,
        // the condition itself only has to last it out.
        await("n1's node-scoped entry kept off n2 and n3")
                .during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(15))
                .failFast("a node-scoped entry left its node", () -> {
                    for (Node n : List.of(lab.node(2), lab.node(3))) {
                        Set<String> denied = denied(n);
                        assertFalse(
                                denied.contains(src + "/32"),
                                n.name() + " has no node-scoped entry of n1's: " + denied);
                        assertFalse(pinnedExact(n).contains(src), n.name() + "'s maps hold no " + src);
                    }
                })
                .until(() -> true);
        for (Node n : List.of(lab.node(2), lab.node(3))) {
            assertEquals(3, lab.ping(src, n, 3), src + " still reaches " + n.name());
        }
        assertEquals(List.of("node"), entry(n1, src).scope());
        assertTrue(pinnedExact(n1).contains(src));
        deny(n1, "DELETE", src, "node");
        assertEquals(3, lab.ping(src, n1, 3));
    }

    @Test
    @Order(3)
    void afterKillNineTheOthersKeepEnforcingAndTheRestartedNodeCatchesUp() throws Exception {
        Node n1 = lab.node(1);
        Node n2 = lab.node(2);
        Node n3 = lab.node(3);
        String deletedWhileDead = "10.79.0.102";
        String addedWhileUnreachable = "10.79.0.103";
        String addedAfterDowning = "10.79.0.104";
        String kept = "10.79.0.199";

        deny(n1, "PATCH", kept, "cluster");
        deny(n1, "PATCH", deletedWhileDead, "cluster");
        awaitDeny(n3, deletedWhileDead, true);
        assertEquals(0, lab.ping(deletedWhileDead, n3, 3), "n3 enforces " + deletedWhileDead + " before it dies");
        assertTrue(
                pinnedExact(n3).containsAll(Set.of(deletedWhileDead, kept)), "in n3's pinned map: " + pinnedExact(n3));

        long killed = System.nanoTime();
        lab.kill9(n3);

        // n3 is unreachable, not yet downed: a majority (2 of 3) still confirms writes.
        deny(n2, "PATCH", addedWhileUnreachable, "cluster"); // n2 accepts while n3 is dead
        deny(n1, "DELETE", deletedWhileDead, "cluster"); // n1 accepts while n3 is dead
        for (Node n : List.of(n1, n2)) {
            awaitDeny(n, addedWhileUnreachable, true);
            assertEquals(0, lab.ping(addedWhileUnreachable, n, 3), n.name() + " drops the newly denied source");
            awaitDeny(n, deletedWhileDead, false);
            assertEquals(3, lab.ping(deletedWhileDead, n, 3), n.name() + " lets the deleted source through");
            assertEquals(3, lab.ping(OTHER, n, 3));
        }
        // Agent dead, datapath alive: n3's program still drops what its maps held and knows nothing newer.
        assertEquals(0, lab.ping(deletedWhileDead, n3, 3), "n3's datapath keeps its last entries");
        assertEquals(3, lab.ping(addedWhileUnreachable, n3, 3), "n3's maps missed the new entry");
        assertEquals(Set.of(deletedWhileDead, kept), pinnedExact(n3), "n3's pinned map while its agent is dead");

        lab.awaitMembers(n1, 2, Duration.ofSeconds(45));
        double downed = (System.nanoTime() - killed) / 1e9;
        LOG.accept(String.format("n3 downed and removed: n1 sees 2 members %.1f s after kill -9", downed));
        lab.awaitMembers(n2, 2, Duration.ofSeconds(10));
        await("n3 to leave n1's registry")
                .atMost(Duration.ofSeconds(10))
                .ignoreExceptions()
                .until(() -> registry(n1), names -> names.equals(Set.of("n1", "n2")));
        deny(n1, "PATCH", addedAfterDowning, "cluster"); // the two-node cluster accepts
        awaitDeny(n2, addedAfterDowning, true);
        assertEquals(0, lab.ping(addedAfterDowning, n2, 3));

        // From the restart until n3 has reconciled, its map must never lose an entry the cluster still holds:
        // a node that reconciled before reading the cluster's list would remove it.
        AtomicInteger polls = new AtomicInteger();
        AtomicReference<Set<String>> gap = new AtomicReference<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(
                () -> {
                    while (watching.get()) {
                        Set<String> now = pinnedExact(n3);
                        polls.incrementAndGet();
                        if (!now.contains(kept)) {
                            gap.compareAndSet(null, now);
                        }
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "n3-map-watcher");
        watcher.start();
        long restarting = System.nanoTime();
        try {
            // n3 comes back cut off from the fabric, so it cannot join for a while: until it has read the cluster's
            // list from a majority it must keep what its maps hold.
            Namespaces.exec(n3.namespace(), "ip", "link", "set", Lab.DEVICE, "down")
                    .orThrow();
            try {
                lab.launch(n3);
                await("n3's API to answer")
                        .atMost(Duration.ofSeconds(60))
                        .ignoreExceptions()
                        .until(() -> lab.api(n3).health().status(), "ok"::equals);
                // Three seconds running but cut off; failFast looks at every poll, the condition only lasts them out.
                await("n3 keeping its entries while cut off")
                        .during(Duration.ofSeconds(3))
                        .atMost(Duration.ofSeconds(20))
                        .failFast(
                                "n3 lost an entry while cut off",
                                () -> assertTrue(
                                        pinnedExact(n3).contains(kept), "n3, running but cut off, still holds " + kept))
                        .until(() -> true);
            } finally {
                Namespaces.exec(n3.namespace(), "ip", "link", "set", Lab.DEVICE, "up")
                        .orThrow();
            }
            lab.awaitReady(n3);
            LOG.accept(String.format(
                    "n3 restarted and up in a cluster of 3 after %.1f s", (System.nanoTime() - restarting) / 1e9));
            lab.awaitMembers(n1, 3, Duration.ofSeconds(30));
            await("n3 back in n1's registry")
                    .atMost(Duration.ofSeconds(10))
                    .ignoreExceptions()
                    .until(() -> registry(n1), names -> names.equals(Set.of("n1", "n2", "n3")));

            // Caught up and reconciled: the entries added while it was dead are in its maps, the deleted one is gone.
            record Views(Set<String> api, Set<String> pinned) {}
            await("n3 to reconcile")
                    .atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(
                            () -> new Views(denied(n3), pinnedExact(n3)),
                            v -> v.api().contains(addedWhileUnreachable + "/32")
                                    && v.api().contains(addedAfterDowning + "/32")
                                    && !v.api().contains(deletedWhileDead + "/32")
                                    && v.pinned().contains(addedWhileUnreachable)
                                    && v.pinned().contains(addedAfterDowning)
                                    && !v.pinned().contains(deletedWhileDead));
        } finally {
            watching.set(false);
            watcher.join(5_000);
        }
        LOG.accept(String.format(
                "n3 reconciled %.1f s after its restart: pinned %s",
                (System.nanoTime() - restarting) / 1e9, pinnedExact(n3)));
        assertTrue(polls.get() > 20, "the watcher read n3's map " + polls.get() + " times");
        assertEquals(null, gap.get(), "n3's map lost " + kept + " during its restart");
        assertEquals(0, lab.ping(addedWhileUnreachable, n3, 3), "n3 drops what was denied while it was dead");
        assertEquals(0, lab.ping(addedAfterDowning, n3, 3));
        assertEquals(3, lab.ping(deletedWhileDead, n3, 3), "n3 lets through what was deleted while it was dead");
        assertEquals(3, lab.ping(OTHER, n3, 3));

        // The rejoined node takes writes again, for everyone.
        PrefilterChanged del = lab.api(n3)
                .removeFromPrefilter(PrefilterChange.of(
                                List.of(addedWhileUnreachable + "/32", addedAfterDowning + "/32", kept + "/32"))
                        .withScope("cluster"));
        assertEquals(3, del.changed(), del.toString());
        for (Node n : lab.nodes()) {
            awaitDeny(n, addedWhileUnreachable, false);
            awaitDeny(n, addedAfterDowning, false);
            assertEquals(3, lab.ping(addedWhileUnreachable, n, 3), n.name());
        }
    }

    // --- helpers ---

    /** PATCH or DELETE of one address; a refusal fails the test with the API's error. */
    private static PrefilterChanged deny(Node node, String method, String address, String scope) {
        PrefilterChange change = PrefilterChange.of(List.of(address + "/32")).withScope(scope);
        PrefilterChanged r = method.equals("PATCH")
                ? lab.api(node).addToPrefilter(change)
                : lab.api(node).removeFromPrefilter(change);
        LOG.accept(method + " " + address + "/32 scope " + scope + " on " + node.name() + ": " + r);
        return r;
    }

    /** The node names in {@code node}'s registry (GET /v1/cluster). */
    private static Set<String> registry(Node node) {
        return new HashSet<>(lab.cluster(node).registry().keySet());
    }

    /** The node's deny list, from its API. */
    private static Set<String> denied(Node node) {
        return new HashSet<>(lab.api(node).prefilter().deny());
    }

    private static PrefilterState.Entry entry(Node node, String address) {
        for (PrefilterState.Entry e : lab.api(node).prefilter().entries()) {
            if (e.cidr().equals(address + "/32")) {
                return e;
            }
        }
        throw new AssertionError(address + " not in " + node.name() + "'s prefilter");
    }

    private static void awaitDeny(Node node, String address, boolean present) {
        await(address + (present ? " in " : " gone from ") + node.name() + "'s prefilter")
                .atMost(Duration.ofSeconds(15))
                .ignoreExceptions()
                .until(() -> denied(node), denied -> denied.contains(address + "/32") == present);
    }

    /** The addresses in the node's pinned exact-match IPv4 map, read by bpftool (not by the agent). */
    private static Set<String> pinnedExact(Node node) {
        Command.Result r = Command.run(
                "bpftool",
                "map",
                "dump",
                "pinned",
                node.pinRoot().resolve("membrane_cidr4_fix").toString(),
                "-j");
        if (!r.ok()) {
            throw new IllegalStateException("bpftool: " + r.output());
        }
        Set<String> out = new HashSet<>();
        try {
            for (JsonNode e : JSON.readTree(r.output())) {
                JsonNode k = e.path("key");
                StringBuilder ip = new StringBuilder();
                for (int i = 0; i < 4; i++) {
                    ip.append(i == 0 ? "" : ".").append(Integer.decode(k.get(i).asText()));
                }
                out.add(ip.toString());
            }
        } catch (IOException e) {
            throw new IllegalStateException("bpftool printed no JSON: " + r.output(), e);
        }
        return out;
    }

    /** Packets n's XDP prefilter dropped, from its /metrics. */
    private static long drops(Node node) {
        long sum = 0;
        for (String line : lab.api(node).metrics().split("\n")) {
            if (line.startsWith("membrane_drop_count_total{")) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
