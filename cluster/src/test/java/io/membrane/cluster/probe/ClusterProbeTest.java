package io.membrane.cluster.probe;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.cluster.ClusterTestSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two cluster nodes in this JVM, each with its probe: one measures round trips to the other over Artery (every ping
 * answered, in order, each a real network exchange), and a node without a probe is a clear failure, not a hang.
 */
class ClusterProbeTest {
    private final List<ActorTestKit> kits = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        kits.forEach(k -> k.system().terminate());
        for (ActorTestKit k : kits) {
            k.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void measuresRoundTripsToTheOtherNodesProbeAndFailsClearlyForAnAddressWithoutOne() {
        List<ActorRef<ClusterProbe.Command>> probes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ActorTestKit kit = ClusterTestSupport.unjoinedClusterKit("membrane");
            kits.add(kit);
            Cluster.get(kit.system())
                    .manager()
                    .tell(Join.create(
                            Cluster.get(kits.get(0).system()).selfMember().address()));
            probes.add(kit.spawn(ClusterProbe.create(), "cluster-probe"));
        }
        await("two members up").atMost(Duration.ofSeconds(30)).until(() -> kits.stream()
                .allMatch(k -> java.util.stream.StreamSupport.stream(
                                        Cluster.get(k.system())
                                                .state()
                                                .getMembers()
                                                .spliterator(),
                                        false)
                                .filter(m -> m.status() == MemberStatus.up())
                                .count()
                        == 2));
        String other = Cluster.get(kits.get(1).system()).selfMember().address().toString();
        TestProbe<ClusterProbe.Result> reply = kits.get(0).createTestProbe();

        // The receptionist spreads the other probe's registration by gossip: ask until it is known.
        ClusterProbe.Result result = await("a measurement of " + other)
                .atMost(Duration.ofSeconds(30))
                .until(
                        () -> {
                            probes.get(0).tell(new ClusterProbe.Measure(other, 50, reply.getRef()));
                            return reply.receiveMessage(Duration.ofSeconds(10));
                        },
                        r -> r instanceof ClusterProbe.Measured);
        ClusterProbe.Measured measured = assertInstanceOf(ClusterProbe.Measured.class, result);
        assertEquals(other, measured.address());
        assertEquals(50, measured.nanos().length);
        for (long n : measured.nanos()) {
            assertTrue(n > 0 && n < Duration.ofSeconds(2).toNanos(), "a round trip of " + n + " ns");
        }

        probes.get(0).tell(new ClusterProbe.Measure("pekko://membrane@127.0.0.1:1", 5, reply.getRef()));
        ClusterProbe.Failed failed =
                assertInstanceOf(ClusterProbe.Failed.class, reply.receiveMessage(Duration.ofSeconds(5)));
        assertTrue(
                failed.message().contains("no probe is registered at pekko://membrane@127.0.0.1:1"), failed.message());
    }
}
