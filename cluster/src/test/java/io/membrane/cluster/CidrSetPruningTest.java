package io.membrane.cluster;

import static io.membrane.cluster.ClusterTestSupport.freePort;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.membrane.cluster.ddata.CidrSet;
import io.membrane.cluster.ddata.CidrSetKey;
import io.membrane.maps.net.Cidr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Leave;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * CidrSet inside Pekko's replicator, across three real actor systems: when a node that added entries leaves the
 * cluster, the replicator prunes it from every set (CidrSet's {@code prune}), and its entries stay listed — a
 * removed node's adds must not vanish with it, nor come back once removed. Pruning is set to run within seconds
 * here (Pekko waits minutes by default).
 */
class CidrSetPruningTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Key<CidrSet> KEY = new CidrSetKey("pruning-test");
    private static final List<Cidr> ADDED =
            List.of(Cidr.parse("198.51.100.1"), Cidr.parse("198.51.100.2"), Cidr.parse("203.0.113.0/24"));

    private final List<ActorTestKit> kits = new ArrayList<>();

    @AfterEach
    void stop() {
        kits.forEach(ActorTestKit::shutdownTestKit);
    }

    private static Config config(int port, int seedPort) {
        return ConfigFactory.parseString("""
                pekko.remote.artery.canonical.port = %d
                pekko.cluster.seed-nodes = ["pekko://pruning@127.0.0.1:%d"]
                pekko.cluster.distributed-data {
                  gossip-interval = 200ms
                  pruning-interval = 500ms
                  max-pruning-dissemination = 2s
                  durable.keys = []
                }
                """.formatted(port, seedPort)).withFallback(ConfigFactory.load());
    }

    private CidrSet local(ActorSystem<?> system) {
        TestProbe<Replicator.GetResponse<CidrSet>> probe = TestProbe.create(system);
        DistributedData.get(system).replicator().tell(new Replicator.Get<>(KEY, Replicator.readLocal(), probe.ref()));
        Replicator.GetResponse<CidrSet> r = probe.receiveMessage();
        return r instanceof Replicator.GetSuccess<CidrSet> s ? s.get(KEY) : CidrSet.empty();
    }

    private static void update(ActorSystem<?> system, Function<CidrSet, CidrSet> change) {
        TestProbe<Replicator.UpdateResponse<CidrSet>> probe = TestProbe.create(system);
        DistributedData.get(system)
                .replicator()
                .tell(new Replicator.Update<>(KEY, CidrSet.empty(), Replicator.writeLocal(), probe.ref(), change));
        probe.expectMessageClass(Replicator.UpdateSuccess.class);
    }

    private static UniqueAddress self(ActorSystem<?> system) {
        return DistributedData.get(system).selfUniqueAddress().uniqueAddress();
    }

    private static long up(ActorSystem<?> system) {
        return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
                .filter(m -> m.status() == MemberStatus.up())
                .count();
    }

    private static long members(ActorSystem<?> system) {
        return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
                .count();
    }

    @Test
    void aLeavingNodeIsPrunedAndItsEntriesStay() throws Exception {
        int[] ports = {freePort(), freePort(), freePort()};
        List<ActorSystem<?>> systems = new ArrayList<>();
        for (int port : ports) {
            ActorTestKit kit = ActorTestKit.create("pruning", config(port, ports[0]));
            kits.add(kit);
            systems.add(kit.system());
        }
        await("three members up on every node")
                .atMost(WAIT)
                .until(
                        () -> systems.stream().map(CidrSetPruningTest::up).toList(),
                        up -> up.equals(List.of(3L, 3L, 3L)));
        ActorSystem<?> n1 = systems.get(0);
        ActorSystem<?> n2 = systems.get(1);
        ActorSystem<?> n3 = systems.get(2);
        UniqueAddress leaving = self(n3);
        // Each node adds one entry; n3's must outlive n3.
        for (int i = 0; i < 3; i++) {
            UniqueAddress node = self(systems.get(i));
            Cidr cidr = ADDED.get(i);
            update(systems.get(i), s -> s.add(node, cidr));
        }
        await("every entry on every node")
                .atMost(WAIT)
                .until(() -> systems.stream().map(s -> local(s).elements()).toList(), sets -> sets.stream()
                        .allMatch(Set.copyOf(ADDED)::equals));
        assertEquals(1, local(n1).versions().at(leaving), "n3's add is recorded under n3");

        Cluster.get(n3).manager().tell(Leave.create(Cluster.get(n3).selfMember().address()));
        await("n3 removed: members on n1, on n2, up on n1")
                .atMost(WAIT)
                .until(() -> List.of(members(n1), members(n2), up(n1)), counts -> counts.equals(List.of(2L, 2L, 2L)));
        await("n3 pruned from the set on n1 and n2 (needs pruning on n1, on n2)")
                .atMost(WAIT)
                .until(
                        () -> List.of(
                                local(n1).needPruningFrom(leaving), local(n2).needPruningFrom(leaving)),
                        needed -> needed.equals(List.of(false, false)));
        for (ActorSystem<?> s : List.of(n1, n2)) {
            CidrSet set = local(s);
            assertEquals(Set.copyOf(ADDED), set.elements(), "entries after pruning");
            assertFalse(set.dots().values().stream().anyMatch(d -> d.at(leaving) > 0), "no dot names n3");
        }

        // The pruned entry is an ordinary one: removed on n2, it is gone on n1 too, and stays gone.
        update(n2, s -> s.remove(ADDED.get(2)));
        await("the removal on n1")
                .atMost(WAIT)
                .until(() -> local(n1).elements(), elements -> elements.equals(Set.copyOf(ADDED.subList(0, 2))));
        // Several gossip rounds; failFast looks at every poll, the condition itself only has to last them out.
        await("the removal kept on n1 and n2")
                .during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(10))
                .failFast("the entries changed after the removal had spread", () -> {
                    assertEquals(Set.copyOf(ADDED.subList(0, 2)), local(n1).elements(), "entries on n1");
                    assertEquals(Set.copyOf(ADDED.subList(0, 2)), local(n2).elements(), "entries on n2");
                })
                .until(() -> true);
    }
}
