package io.membrane.actors.monitor;

import io.membrane.maps.PerfEventArrayMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the event pump (its own poll thread) and the monitor socket for the agent's life, and fails when the
 * pump fails so that its supervisor restarts both with back-off. Other parts reach the current pump through
 * the shared {@link Current} holder, which a restart points at the new pump; the actor itself carries no
 * per-event traffic.
 */
public final class EventPumpActor {
    private static final Logger LOG = LoggerFactory.getLogger(EventPumpActor.class);

    /** It takes no messages from outside: its only message is its own pump's end. */
    public sealed interface Command permits Internal {}

    private sealed interface Internal extends Command permits PumpEnded {}

    private record PumpEnded(Throwable cause) implements Internal {}

    /** The pump now running, if any (empty between a failure and the restart). */
    public static final class Current {
        private final AtomicReference<EventPump> pump = new AtomicReference<>();

        public Optional<EventPump> get() {
            return Optional.ofNullable(pump.get());
        }

        /** The pump counters as the status page and /metrics show them. */
        public Map<String, Object> counters() {
            Map<String, Object> out = new LinkedHashMap<>();
            EventPump p = pump.get();
            if (p == null) {
                out.put("running", false);
                return out;
            }
            EventPump.Counters c = p.counters();
            out.put("samples", c.samples());
            out.put("drops", c.drops());
            out.put("policy_verdicts", c.policyVerdicts());
            out.put("unknown", c.unknown());
            out.put("decode_errors", c.decodeErrors());
            out.put("lost", c.lost());
            out.put("listeners", c.listeners().size());
            out.put("listeners_dropped", c.listenersDropped());
            return out;
        }
    }

    private EventPumpActor() {}

    private static Behavior<Command> stop(Current current, EventPump pump, MonitorServer server) {
        current.pump.compareAndSet(pump, null);
        server.close();
        pump.close();
        return Behaviors.same();
    }

    /** The agent's pump: the events perf buffer of {@code events}. */
    public static Behavior<Command> create(
            PerfEventArrayMap events, int pagesPerCpu, int recent, int listenerQueue, Path socket, Current current) {
        return create(
                () -> EventPump.startPerf(events, pagesPerCpu, EventPump.Options.DEFAULT.withRecentCapacity(recent)),
                listenerQueue,
                socket,
                current);
    }

    /** @param pumps starts a pump; called again on every restart */
    public static Behavior<Command> create(Supplier<EventPump> pumps, int listenerQueue, Path socket, Current current) {
        return Behaviors.setup(ctx -> {
            EventPump pump = pumps.get();
            MonitorServer server;
            try {
                server = MonitorServer.start(
                        socket, pump, MonitorServer.Options.DEFAULT.withQueueCapacity(listenerQueue));
            } catch (IOException e) {
                pump.close();
                throw new UncheckedIOException("monitor socket " + socket, e);
            }
            current.pump.set(pump);
            LOG.info("event pump running; monitor socket {}", socket);
            ctx.pipeToSelf(pump.terminated(), (ok, failure) -> new PumpEnded(failure));
            return Behaviors.receive(Command.class)
                    .onMessage(PumpEnded.class, e -> {
                        if (e.cause() != null) {
                            throw new IllegalStateException(
                                    "event pump failed: " + e.cause().getMessage(), e.cause());
                        }
                        return Behaviors.stopped();
                    })
                    .onSignal(PostStop.class, s -> stop(current, pump, server))
                    .onSignal(PreRestart.class, s -> stop(current, pump, server))
                    .build();
        });
    }
}
