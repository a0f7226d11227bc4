package io.membrane.actors.monitor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pump actor under its supervisor: when the pump's source fails, the actor fails, is restarted, and a new
 * pump (and monitor socket) takes over; the shared holder always points at the running pump.
 */
class EventPumpActorTest {
    static final ActorTestKit TESTKIT = ActorTestKit.create();

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        TESTKIT.shutdownTestKit();
    }

    @Test
    void aFailedPumpIsRestartedWithANewOne() throws Exception {
        List<FeedSource> sources = new CopyOnWriteArrayList<>();
        EventPumpActor.Current current = new EventPumpActor.Current();
        Path socket = dir.resolve("monitor.sock");
        TESTKIT.spawn(Behaviors.supervise(EventPumpActor.create(
                        () -> {
                            FeedSource source = new FeedSource();
                            sources.add(source);
                            try {
                                return EventPump.start(source.factory(), EventPump.Options.DEFAULT);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        64,
                        socket,
                        current))
                .onFailure(SupervisorStrategy.restart()));

        await("the first pump serving its socket")
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertTrue(
                        current.get().isPresent() && Files.exists(socket), () -> "pump state: " + current.counters()));
        EventPump first = current.get().orElseThrow();
        sources.get(0).sample(0, Samples.prefilterDrop("10.77.0.1", "10.77.0.2", 2));
        await("the first pump's sample")
                .atMost(Duration.ofSeconds(5))
                .until(() -> first.counters().samples(), n -> n == 1);
        assertEquals(1L, current.counters().get("samples"));

        sources.get(0).fail(new IllegalStateException("perf buffer gone"));
        await("a second pump after the failure")
                .atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertTrue(
                        sources.size() == 2
                                && current.get().isPresent()
                                && current.get().get() != first,
                        () -> sources.size() + " sources, pump state: " + current.counters()));
        EventPump second = current.get().orElseThrow();
        assertNotSame(first, second);
        assertTrue(Files.exists(socket), "the monitor socket is served again after the restart");
        sources.get(1).sample(1, Samples.prefilterDrop("10.77.0.1", "10.77.0.2", 2));
        await("the second pump's sample")
                .atMost(Duration.ofSeconds(5))
                .until(() -> second.counters().samples(), n -> n == 1);
    }
}
