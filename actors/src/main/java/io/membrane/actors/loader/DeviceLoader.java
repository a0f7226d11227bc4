package io.membrane.actors.loader;

import io.membrane.actors.AgentConfig;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.ObjectLoader;
import io.membrane.datapath.Xdp;
import io.membrane.datapath.net.Devices;
import io.membrane.datapath.net.Netns;
import io.membrane.maps.BpfMap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns what is attached to one native device: compiles (through the cache) and loads the prefilter with the
 * agent's maps bound, and attaches it. Attaching over our earlier program — this agent's or a previous
 * one's — is one atomic swap, so the device is never without a prefilter. A device that is missing or refuses
 * the program is reported in status and retried with exponential back-off; nothing else in the agent waits
 * for it. Expected failures are values in its status; anything unexpected lets its supervisor restart it.
 */
public final class DeviceLoader {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceLoader.class);

    public sealed interface Command permits Attach, Check, Detach, GetStatus {}

    /** (Re)compile and attach now; also what the retry timer sends. */
    public record Attach() implements Command {}

    /** Periodic: is the device still there, with our program on it? */
    public record Check() implements Command {}

    /** Remove our program from the device (uninstall). */
    public record Detach(ActorRef<Status> replyTo) implements Command {}

    public record GetStatus(ActorRef<Status> replyTo) implements Command {}

    /** What this device has now. */
    public record Status(String device, String state, Optional<String> mode, OptionalInt programId,
                         Optional<String> error, int attempts, Optional<Boolean> compileCacheHit) {
        public boolean attached() {
            return "attached".equals(state);
        }
    }

    private DeviceLoader() {
    }

    public static Behavior<Command> create(AgentConfig.Device device, AgentConfig config, ObjectLoader loader,
                                           List<Path> headerDirs, List<BpfMap<?, ?>> maps,
                                           ActorRef<Status> reportTo) {
        return Behaviors.withTimers(timers -> Behaviors.setup(ctx -> {
            ctx.getSelf().tell(new Attach());
            Status[] status = {new Status(device.label(), "pending", Optional.empty(), OptionalInt.empty(),
                    Optional.empty(), 0, Optional.empty())};
            return Behaviors.receive(Command.class)
                    .onMessage(Attach.class, a -> {
                        int attempt = status[0].attempts() + 1;
                        try {
                            status[0] = attach(device, loader, headerDirs, maps, attempt);
                            timers.cancel("retry");
                            timers.startTimerWithFixedDelay("check", new Check(), config.deviceCheck());
                            LOG.info("prefilter attached to {} ({}, program id {})", device.label(),
                                    status[0].mode().orElse("?"), status[0].programId().orElse(0));
                        } catch (RuntimeException e) {
                            Duration delay = backoff(config, attempt);
                            status[0] = new Status(device.label(), "retrying", Optional.empty(), OptionalInt.empty(),
                                    Optional.of(e.getMessage()), attempt, Optional.empty());
                            LOG.warn("prefilter on {} not attached (attempt {}), retrying in {} ms: {}", device.label(),
                                    attempt, delay.toMillis(), e.getMessage());
                            timers.cancel("check");
                            timers.startSingleTimer("retry", new Attach(), delay);
                        }
                        reportTo.tell(status[0]);
                        return Behaviors.same();
                    })
                    .onMessage(Check.class, c -> {
                        // A device that vanished, or lost our program to someone else, goes back to attaching.
                        String problem = check(device, status[0]);
                        if (problem != null) {
                            LOG.warn("prefilter on {}: {}; attaching again", device.label(), problem);
                            timers.cancel("check");
                            status[0] = new Status(device.label(), "retrying", Optional.empty(), OptionalInt.empty(),
                                    Optional.of(problem), 0, Optional.empty());
                            reportTo.tell(status[0]);
                            ctx.getSelf().tell(new Attach());
                        }
                        return Behaviors.same();
                    })
                    .onMessage(GetStatus.class, g -> {
                        g.replyTo().tell(status[0]);
                        return Behaviors.same();
                    })
                    .onMessage(Detach.class, d -> {
                        timers.cancel("retry");
                        timers.cancel("check");
                        try {
                            inNetns(device, () -> {
                                OptionalInt idx = Devices.ifindex(device.name());
                                if (idx.isPresent() && Xdp.query(idx.getAsInt()).programId() != 0) {
                                    Xdp.detach(idx.getAsInt(), device.mode());
                                }
                                return null;
                            });
                            status[0] = new Status(device.label(), "detached", Optional.empty(), OptionalInt.empty(),
                                    Optional.empty(), status[0].attempts(), Optional.empty());
                        } catch (RuntimeException e) {
                            status[0] = new Status(device.label(), "detach-failed", Optional.empty(),
                                    OptionalInt.empty(), Optional.of(e.getMessage()), status[0].attempts(),
                                    Optional.empty());
                        }
                        d.replyTo().tell(status[0]);
                        reportTo.tell(status[0]);
                        return Behaviors.same();
                    })
                    .build();
        }));
    }

    private static Status attach(AgentConfig.Device device, ObjectLoader loader, List<Path> headerDirs,
                                 List<BpfMap<?, ?>> maps, int attempt) {
        try (ObjectLoader.Loaded loaded = loader.load("bpf_xdp.c", headerDirs, maps, DatapathMaps.PREFILTER_LAYOUTS)) {
            var program = loaded.program("xdp_prefilter");
            return inNetns(device, () -> {
                int ifindex = Devices.ifindex(device.name()).orElseThrow(() ->
                        new IllegalStateException("device " + device.label() + " does not exist"));
                Xdp.attach(ifindex, program, device.mode());
                Xdp.Status x = Xdp.query(ifindex);
                return new Status(device.label(), "attached", x.mode().map(m -> m.name().toLowerCase()),
                        OptionalInt.of(x.programId()), Optional.empty(), attempt,
                        Optional.of(loaded.compiled().cacheHit()));
            });
        }
    }

    /** Why the device no longer carries our program, or null if it does. */
    private static String check(AgentConfig.Device device, Status status) {
        try {
            return inNetns(device, () -> {
                OptionalInt idx = Devices.ifindex(device.name());
                if (idx.isEmpty()) {
                    return "device " + device.label() + " is gone";
                }
                int id = Xdp.query(idx.getAsInt()).programId();
                return id == status.programId().orElse(-1) ? null
                        : "device " + device.label() + " carries program " + id + ", not ours";
            });
        } catch (RuntimeException e) {
            return "cannot check " + device.label() + ": " + e.getMessage();
        }
    }

    private static <T> T inNetns(AgentConfig.Device device, Callable<T> work) {
        if (device.netns().isPresent()) {
            return Netns.call(device.netns().get(), work);
        }
        try {
            return work.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    static Duration backoff(AgentConfig config, int attempt) {
        long min = config.retryMin().toMillis();
        long max = config.retryMax().toMillis();
        long delay = min << Math.min(attempt - 1, 20);
        return Duration.ofMillis(Math.min(Math.max(delay, min), max));
    }
}
