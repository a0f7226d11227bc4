package io.membrane.cluster;

import static io.membrane.cluster.ClusterTestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.membrane.cluster.wire.NodeInfo;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node registry in one actor system: the node's own entry is written and read back through the replicator. */
class NodeRegistryTest {
    private final ActorTestKit kit = ActorTestKit.create("registry", ConfigFactory.parseString("""
            pekko.remote.artery.canonical.port = 0
            pekko.cluster.seed-nodes = []
            pekko.cluster.distributed-data.durable.keys = []
            """).withFallback(ConfigFactory.load()));

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void theNodesOwnEntryIsListed() throws Exception {
        Cluster cluster = Cluster.get(kit.system());
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
        NodeInfo self = new NodeInfo("n1", "127.0.0.1:9876", "127.0.0.1", cluster.selfMember().address().toString(), 1L);
        ActorRef<NodeRegistry.Command> registry = kit.spawn(NodeRegistry.create(self));
        TestProbe<Map<String, NodeInfo>> probe = kit.createTestProbe();
        AtomicReference<Map<String, NodeInfo>> seen = new AtomicReference<>(Map.of());
        await(() -> {
            registry.tell(new NodeRegistry.Get(probe.getRef()));
            seen.set(probe.receiveMessage(Duration.ofSeconds(5)));
            return !seen.get().isEmpty();
        }, Duration.ofSeconds(15), "the node's own entry");
        assertEquals(Map.of("n1", self), seen.get());
    }
}
