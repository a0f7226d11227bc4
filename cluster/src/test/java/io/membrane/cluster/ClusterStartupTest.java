package io.membrane.cluster;

import static io.membrane.cluster.ClusterTestSupport.deleteTree;
import static io.membrane.cluster.ClusterTestSupport.freePort;
import static io.membrane.cluster.ClusterTestSupport.nodeConfig;
import static io.membrane.cluster.ClusterTestSupport.prefilter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.cluster.ClusterTestSupport.Response;
import io.membrane.maps.KernelTest;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A node that cannot join its cluster (its only seed is a port nobody listens on) has not read the cluster's deny
 * list: a cluster-scoped change waits for that read and is then refused with a 503 naming why, while node-scoped
 * changes work as on any node. Then a single-node default answers a cluster-scoped change made the moment its API
 * is up: the change waits for the start-up read instead of being refused.
 */
@Tag("kernel")
class ClusterStartupTest {

    private AgentNode node;
    private PinnedMaps pins;
    private Path runDir;

    @AfterEach
    void stop() throws IOException {
        if (node != null) {
            node.close();
        }
        if (pins != null) {
            pins.removeAll();
        }
        if (runDir != null) {
            deleteTree(runDir);
        }
    }

    @Test
    void aNodeThatCannotJoinRefusesClusterChangesButTakesNodeChanges() throws Exception {
        KernelTest.assumeKernel();
        int nobody = freePort();
        node = ClusterNode.start(
                config("pekko.cluster.seed-nodes = [\"pekko://membrane@127.0.0.1:" + nobody + "\"]\n"));

        long t0 = System.nanoTime();
        Response cluster = prefilter(node, "PATCH", "{\"deny\": [\"203.0.113.0/24\"], \"scope\": \"cluster\"}");
        double waited = (System.nanoTime() - t0) / 1e9;
        assertEquals(503, cluster.status(), cluster.body());
        assertTrue(cluster.body().contains("has not read the cluster's deny list"), cluster.body());
        assertTrue(
                waited >= PrefilterReplication.READ_WAIT.toSeconds() - 0.5, "refused after waiting " + waited + " s");
        assertTrue(
                node.targets()
                        .maps()
                        .cidr4Dyn()
                        .lookup(Ipv4Prefix.parse("203.0.113.0/24"))
                        .isEmpty(),
                "nothing written");

        Response local = prefilter(node, "PATCH", "{\"deny\": [\"198.51.100.0/24\"]}");
        assertEquals(200, local.status(), local.body());
        assertTrue(node.targets()
                .maps()
                .cidr4Dyn()
                .lookup(Ipv4Prefix.parse("198.51.100.0/24"))
                .isPresent());
    }

    @Test
    void aChangeMadeAsSoonAsTheApiAnswersWaitsForTheStartUpRead() throws Exception {
        KernelTest.assumeKernel();
        node = ClusterNode.start(config(""));
        Response r = prefilter(node, "PATCH", "{\"deny\": [\"203.0.113.0/24\"], \"scope\": \"cluster\"}");
        assertEquals(200, r.status(), r.body());
        assertTrue(node.targets()
                .maps()
                .cidr4Dyn()
                .lookup(Ipv4Prefix.parse("203.0.113.0/24"))
                .isPresent());
    }

    private AgentConfig config(String extra) throws IOException {
        pins = PinnedMaps.at(Path.of(
                "/sys/fs/bpf", "mbr-test-start-" + UUID.randomUUID().toString().substring(0, 6)));
        runDir = Files.createTempDirectory("mbr-start");
        return nodeConfig(pins.root(), runDir, "lonely", freePort(), extra);
    }
}
