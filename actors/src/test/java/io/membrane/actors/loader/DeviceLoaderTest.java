package io.membrane.actors.loader;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.AgentConfig;
import io.membrane.actors.MapRegistry;
import io.membrane.actors.TestAgents;
import io.membrane.datapath.Xdp;
import io.membrane.datapath.net.Devices;
import io.membrane.datapath.net.Netns;
import io.membrane.maps.KernelTest;
import io.membrane.topology.NamespacePair;
import io.membrane.topology.Namespaces;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DatapathLoader and its DeviceLoaders: a device that does not exist is reported and retried with
 * back-off while the other device attaches; once the device appears it is attached on the next retry; a device
 * that vanishes goes back to retrying; detached devices stay detached, and uninstall's detach finds nothing left.
 */
@Tag("kernel")
class DeviceLoaderTest {
    static final ActorTestKit TESTKIT = ActorTestKit.create();
    /** How long a device's status may take to change: several of the test config's 1 s maximum retries. */
    static final Duration STATUS_TIMEOUT = Duration.ofSeconds(20);

    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @TempDir
    Path runDir;

    @AfterAll
    static void shutdown() {
        TESTKIT.shutdownTestKit();
    }

    @Test
    void missingDeviceIsRetriedWhileTheOtherAttaches() throws Exception {
        try (NamespacePair lab = NamespacePair.create("mbrdl")) {
            String late = "mbrlate" + lab.devB().substring(5, 9);
            AgentConfig config = TestAgents.config(
                    kernel.pins().root(),
                    runDir,
                    "[{name = \"" + lab.devB() + "\", xdp-mode = generic, netns = \"" + lab.nsB() + "\"},"
                            + " {name = \"" + late + "\", xdp-mode = generic, netns = \"" + lab.nsB() + "\"}]",
                    "");
            ActorRef<MapRegistry.Command> registry = TESTKIT.spawn(MapRegistry.create(config));
            TestProbe<MapRegistry.Handles> handles = TESTKIT.createTestProbe();
            registry.tell(new MapRegistry.GetHandles(handles.getRef()));
            MapRegistry.Handles h = handles.receiveMessage(Duration.ofSeconds(30));

            ActorRef<DatapathLoader.Command> loader = TESTKIT.spawn(DatapathLoader.create(config, h));
            TestProbe<List<DeviceLoader.Status>> status = TESTKIT.createTestProbe();
            List<DeviceLoader.Status> now = await("the first device attached, the missing one retrying")
                    .atMost(STATUS_TIMEOUT)
                    .until(
                            () -> status(loader, status),
                            s -> s.get(0).attached() && s.get(1).phase() == DeviceLoader.State.RETRYING);
            assertTrue(now.get(1).error().orElseThrow().contains("does not exist"), now.toString());
            assertEquals(Optional.of("generic"), now.get(0).mode());

            // The device appears: the next retry attaches to it.
            Namespaces.exec(lab.nsB(), "ip", "link", "add", late, "type", "veth", "peer", "name", late + "p")
                    .orThrow();
            Namespaces.exec(lab.nsB(), "ip", "link", "set", late, "up").orThrow();
            await("the late device attached").atMost(STATUS_TIMEOUT).until(() -> status(loader, status), s -> s.get(1)
                    .attached());
            int id =
                    Netns.call(lab.nsB(), () -> Xdp.query(Devices.require(late)).programId());
            assertTrue(id > 0);

            // The device vanishes: the periodic check notices and goes back to retrying; it comes back: attached.
            Namespaces.exec(lab.nsB(), "ip", "link", "del", late).orThrow();
            List<DeviceLoader.Status> gone = await("the vanished device retrying")
                    .atMost(STATUS_TIMEOUT)
                    .until(() -> status(loader, status), s -> s.get(1).phase() == DeviceLoader.State.RETRYING);
            assertTrue(gone.get(1).error().orElseThrow().contains(late), gone.toString());
            Namespaces.exec(lab.nsB(), "ip", "link", "add", late, "type", "veth", "peer", "name", late + "p")
                    .orThrow();
            Namespaces.exec(lab.nsB(), "ip", "link", "set", late, "up").orThrow();
            await("the device attached again").atMost(STATUS_TIMEOUT).until(() -> status(loader, status), s -> s.get(1)
                    .attached());

            TestProbe<List<DeviceLoader.Status>> detached = TESTKIT.createTestProbe();
            loader.tell(new DatapathLoader.DetachAll(detached.getRef()));
            List<DeviceLoader.Status> off = detached.receiveMessage(Duration.ofSeconds(10));
            assertEquals(2, off.size());
            assertTrue(
                    off.stream()
                            .allMatch(s -> s.phase() == DeviceLoader.State.DETACHED && "detached".equals(s.state())),
                    off.toString());
            assertEquals(0, (int)
                    Netns.call(lab.nsB(), () -> Xdp.query(Devices.require(late)).programId()));
            // Detached stays detached: no retry or check attaches again, at any moment of two checks and a retry.
            Duration quiet = config.deviceCheck().multipliedBy(2).plus(config.retryMax());
            // failFast looks at every poll of that time; the condition itself only has to last it out.
            await("the devices staying detached")
                    .during(quiet)
                    .atMost(quiet.plusSeconds(10))
                    .failFast("a detached device attached again", () -> {
                        List<DeviceLoader.Status> seen = status(loader, status);
                        assertTrue(seen.stream().noneMatch(DeviceLoader.Status::attached), seen.toString());
                    })
                    .until(() -> true);
            assertEquals(0, (int)
                    Netns.call(lab.nsB(), () -> Xdp.query(Devices.require(late)).programId()));
            // The routine uninstall shares: nothing is left to detach, and a namespace that is gone has nothing.
            assertFalse(XdpDetach.detach(config.devices().get(1)));
            assertFalse(XdpDetach.detach(
                    new AgentConfig.Device("eth0", Xdp.Mode.GENERIC, Optional.of("mbr-no-such-ns-" + lab.nsB()))));
            h.all().forEach(io.membrane.maps.BpfMap::close);
        }
    }

    private static List<DeviceLoader.Status> status(
            ActorRef<DatapathLoader.Command> loader, TestProbe<List<DeviceLoader.Status>> probe) {
        loader.tell(new DatapathLoader.GetStatus(probe.getRef()));
        return probe.receiveMessage(Duration.ofSeconds(5));
    }
}
