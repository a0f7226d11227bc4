package io.membrane.cluster;

import static io.membrane.cluster.ClusterTestSupport.await;
import static io.membrane.cluster.ClusterTestSupport.freePort;
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
        await(() -> systems.stream().allMatch(s -> up(s) == 3), WAIT, "three members up");
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
        await(
                () -> systems.stream().allMatch(s -> local(s).elements().equals(Set.copyOf(ADDED))),
                WAIT,
                "every entry on every node");
        assertEquals(1, local(n1).versions().at(leaving), "n3's add is recorded under n3");

        Cluster.get(n3).manager().tell(Leave.create(Cluster.get(n3).selfMember().address()));
        await(() -> members(n1) == 2 && members(n2) == 2 && up(n1) == 2, WAIT, "n3 removed");
        await(
                () -> !local(n1).needPruningFrom(leaving) && !local(n2).needPruningFrom(leaving),
                WAIT,
                "n3 pruned from the set on n1 and n2");
        for (ActorSystem<?> s : List.of(n1, n2)) {
            CidrSet set = local(s);
            assertEquals(Set.copyOf(ADDED), set.elements(), "entries after pruning");
            assertFalse(set.dots().values().stream().anyMatch(d -> d.at(leaving) > 0), "no dot names n3");
        }

        // The pruned entry is an ordinary one: removed on n2, it is gone on n1 too, and stays gone.
        update(n2, s -> s.remove(ADDED.get(2)));
        await(() -> local(n1).elements().equals(Set.copyOf(ADDED.subList(0, 2))), WAIT, "the removal on n1");
        Thread.sleep(1_000); // several gossip rounds
        assertEquals(Set.copyOf(ADDED.subList(0, 2)), local(n1).elements());
        assertEquals(Set.copyOf(ADDED.subList(0, 2)), local(n2).elements());
    }
}
