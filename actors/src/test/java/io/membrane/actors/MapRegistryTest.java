package io.membrane.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.KernelTest;
import io.membrane.maps.net.Ipv4Prefix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The registry pins every global map, and a second registry (the next agent) reuses them with their entries. */
@Tag("kernel")
class MapRegistryTest {
    static final ActorTestKit TESTKIT = ActorTestKit.create();

    @RegisterExtension
    final KernelTest kernel = new KernelTest();
    @TempDir
    Path runDir;

    @AfterAll
    static void shutdown() {
        TESTKIT.shutdownTestKit();
    }

    @Test
    void opensPinsAndReusesEveryGlobalMap() {
        AgentConfig config = TestAgents.config(kernel.pins().root(), runDir, "[]", "");
        ActorRef<MapRegistry.Command> first = TESTKIT.spawn(MapRegistry.create(config));
        TestProbe<MapRegistry.Handles> handles = TESTKIT.createTestProbe();
        first.tell(new MapRegistry.GetHandles(handles.getRef()));
        MapRegistry.Handles h = handles.receiveMessage(Duration.ofSeconds(30));
        h.cidr4Dyn().put(Ipv4Prefix.parse("203.0.113.0/24"), PrefilterFlag.DENY);
        for (var m : h.all()) {
            assertTrue(Files.exists(kernel.pins().root().resolve(m.name())), m.name() + " is pinned");
        }
        TESTKIT.stop(first);

        ActorRef<MapRegistry.Command> second = TESTKIT.spawn(MapRegistry.create(config));
        TestProbe<List<MapRegistry.MapStatus>> status = TESTKIT.createTestProbe();
        second.tell(new MapRegistry.GetStatus(status.getRef()));
        List<MapRegistry.MapStatus> maps = status.receiveMessage(Duration.ofSeconds(30));
        assertEquals(11, maps.size());
        MapRegistry.MapStatus dyn = maps.stream().filter(m -> m.name().equals("membrane_cidr4_dyn")).findFirst()
                .orElseThrow();
        assertEquals("reused", dyn.outcome());
        assertEquals(1, dyn.entries());
        assertTrue(maps.stream().allMatch(m -> m.outcome().equals("reused")), maps.toString());
        TESTKIT.stop(second);
    }
}
