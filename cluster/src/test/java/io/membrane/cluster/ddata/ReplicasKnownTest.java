package io.membrane.cluster.ddata;

import static io.membrane.cluster.ClusterTestSupport.joinSelf;
import static io.membrane.cluster.ClusterTestSupport.unjoinedClusterKit;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The start-up gate: nothing while the node is not Up, one message once it is, then the poll stops. */
class ReplicasKnownTest {
    private final ActorTestKit kit = unjoinedClusterKit("replicas-known");

    @AfterEach
    void stop() {
        kit.shutdownTestKit();
    }

    @Test
    void saysReadyOnceTheNodeIsUpAndThenStops() {
        TestProbe<String> parent = kit.createTestProbe();
        ActorRef<ReplicasKnown.Command> gate = kit.spawn(ReplicasKnown.create(parent.getRef(), "ready"));
        TestProbe<Object> watcher = kit.createTestProbe();
        // Not joined: the node is not Up, so a majority would be nothing but this node.
        parent.expectNoMessage(Duration.ofMillis(500));
        joinSelf(kit);
        assertEquals("ready", parent.receiveMessage(Duration.ofSeconds(15)));
        watcher.expectTerminated(gate, Duration.ofSeconds(3));
        parent.expectNoMessage(Duration.ofMillis(300));
    }
}
