package io.membrane.cluster;

import static io.membrane.cluster.ClusterTestSupport.joinSelf;
import static io.membrane.cluster.ClusterTestSupport.unjoinedClusterKit;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.membrane.cluster.wire.NodeInfo;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node registry in one actor system: the node's own entry is written and read back through the replicator. */
class NodeRegistryTest {
    private final ActorTestKit kit = unjoinedClusterKit("registry");

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void theNodesOwnEntryIsListed() throws Exception {
        joinSelf(kit);
        Cluster cluster = Cluster.get(kit.system());
        NodeInfo self = new NodeInfo(
                "n1",
                "127.0.0.1:9876",
                "127.0.0.1",
                cluster.selfMember().address().toString(),
                1L);
        ActorRef<NodeRegistry.Command> registry = kit.spawn(NodeRegistry.create(self));
        TestProbe<Map<String, NodeInfo>> probe = kit.createTestProbe();
        Map<String, NodeInfo> seen = await("the node's own entry")
                .atMost(Duration.ofSeconds(15))
                .until(
                        () -> {
                            registry.tell(new NodeRegistry.Get(probe.getRef()));
                            return probe.receiveMessage(Duration.ofSeconds(5));
                        },
                        nodes -> !nodes.isEmpty());
        assertEquals(Map.of("n1", self), seen);
    }
}
