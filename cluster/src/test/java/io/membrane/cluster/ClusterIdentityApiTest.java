package io.membrane.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.AgentNode;
import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.model.IdentityInfo;
import io.membrane.actors.identity.Identity;
import io.membrane.actors.identity.IdentityAllocator;
import io.membrane.actors.identity.LabelSet;
import io.membrane.maps.KernelTest;
import io.membrane.maps.PinnedMaps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The identities of a real clustered agent (the single-node default: a cluster of its own): the allocator reached
 * through the cluster hooks, the API's and the metrics' view of it, and the durable table surviving a restart of
 * the agent (the number is read back from LMDB, not handed out again).
 */
@Tag("kernel")
class ClusterIdentityApiTest {
    private PinnedMaps pins;
    private Path runDir;
    private AgentNode node;

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (pins != null) {
            pins.removeAll();
        }
        if (runDir != null) {
            ClusterTestSupport.deleteTree(runDir);
        }
    }

    private AgentNode start() throws Exception {
        return ClusterNode.start(ClusterTestSupport.nodeConfig(pins.root(), runDir, "solo", 0, ""));
    }

    private static IdentityAllocator allocator(AgentNode node) {
        return node.targets().cluster().orElseThrow().identities().orElseThrow();
    }

    @Test
    void theApiShowsAnAllocatedIdentityItsUserAndMetricsAndARestartKeepsItsNumber() throws Exception {
        KernelTest.assumeKernel();
        pins = PinnedMaps.at(Path.of(
                "/sys/fs/bpf", "mbr-test-id-" + UUID.randomUUID().toString().substring(0, 6)));
        runDir = Files.createTempDirectory("mbr-id");
        node = start();
        LabelSet web = LabelSet.parseUser(List.of("app=web", "env=prod"));
        Identity id =
                allocator(node).acquire(web, "test:1").toCompletableFuture().get();
        assertTrue(id.id() >= 256, id.toString());
        AdminClient api = AdminClient.connect(node.apiBase(), Duration.ofSeconds(5), Duration.ofSeconds(30));
        await("the use published")
                .atMost(Duration.ofSeconds(10))
                .until(() -> api.identity("" + id.id()).nodesUsing().equals(List.of("solo")));
        IdentityInfo info = api.identityOf("env=prod,app=web");
        assertEquals(
                new IdentityInfo(id.id(), List.of("user:app=web", "user:env=prod"), "cluster", List.of("solo")), info);
        assertEquals(7, api.identities().size());
        String metrics = api.metrics();
        assertTrue(metrics.contains("membrane_identity_allocations_total{outcome=\"allocated\"} 1.0"), metrics);
        assertTrue(metrics.contains("membrane_identities{scope=\"cluster\"} 1.0"), metrics);
        assertTrue(metrics.contains("membrane_identity_allocation_seconds_count 1"), metrics);

        node.close();
        node = start();
        AdminClient again = AdminClient.connect(node.apiBase(), Duration.ofSeconds(5), Duration.ofSeconds(30));
        await("the table read back from disk")
                .atMost(Duration.ofSeconds(15))
                .until(() -> again.identities().size() == 7);
        assertEquals(id.id(), again.identityOf("app=web,env=prod").id());
        assertEquals(
                id, allocator(node).acquire(web, "test:2").toCompletableFuture().get());
        assertTrue(allocator(node)
                        .acquire(LabelSet.parseUser(List.of("app=db")), "test:3")
                        .toCompletableFuture()
                        .get()
                        .id()
                != id.id());
    }
}
