package io.membrane.actors.loader;

import io.membrane.actors.AgentConfig;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.ObjectLoader;
import io.membrane.datapath.Xdp;
import io.membrane.datapath.net.Devices;
import io.membrane.maps.BpfMap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns what is attached to one native device: compiles (through the cache) and loads the prefilter with the
 * agent's maps bound, and attaches it. Attaching over our earlier program — this agent's or a previous
 * one's — is one atomic swap, so the device is never without a prefilter. A device that is missing or refuses
 * the program is reported in status and retried with exponential back-off; nothing else in the agent waits
 * for it. Expected failures are values in its status; anything unexpected lets its supervisor restart it.
 * Phases: unattached (attaching, or waiting to retry) → attached (checked periodically; back to unattached if
 * the device or our program goes) → detached, which stays until the actor stops.
 */
public final class DeviceLoader {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceLoader.class);
    private static final String RETRY = "retry";
    private static final String CHECK = "check";

    public sealed interface Command permits Detach, GetStatus, Internal {}

    private sealed interface Internal extends Command permits Attach, Check {}

    /** (Re)compile and attach now; also what the retry timer sends. */
    private record Attach() implements Internal {}

    /** Periodic: is the device still there, with our program on it? */
    private record Check() implements Internal {}

    /** Remove our program from the device (uninstall). */
    public record Detach(ActorRef<Status> replyTo) implements Command {}

    public record GetStatus(ActorRef<Status> replyTo) implements Command {}

    /** The phase a device is in, with the label the API and CLI show for it. */
    public enum State {
        PENDING,
        ATTACHED,
        RETRYING,
        DETACHED,
        DETACH_FAILED;

        public String label() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    /** What this device has now; {@link #state()} is the phase's label, as the API shows it. */
    public record Status(
            String device,
            State phase,
            Optional<String> mode,
            OptionalInt programId,
            Optional<String> error,
            int attempts,
            Optional<Boolean> compileCacheHit) {
        public String state() {
            return phase.label();
        }

        public boolean attached() {
            return phase == State.ATTACHED;
        }

        /** Not attached yet, nothing tried. */
        public static Status pending(String device) {
            return new Status(
                    device,
                    State.PENDING,
                    Optional.empty(),
                    OptionalInt.empty(),
                    Optional.empty(),
                    0,
                    Optional.empty());
        }

        static Status without(String device, State phase, String error, int attempts) {
            return new Status(
                    device,
                    phase,
                    Optional.empty(),
                    OptionalInt.empty(),
                    Optional.ofNullable(error),
                    attempts,
                    Optional.empty());
        }
    }

    private final AgentConfig.Device device;
    private final AgentConfig config;
    private final ObjectLoader loader;
    private final List<Path> headerDirs;
    private final List<BpfMap<?, ?>> maps;
    private final ActorRef<Status> reportTo;
    private final TimerScheduler<Command> timers;
    private final ActorRef<Command> self;

    private DeviceLoader(
            AgentConfig.Device device,
            AgentConfig config,
            ObjectLoader loader,
            List<Path> headerDirs,
            List<BpfMap<?, ?>> maps,
            ActorRef<Status> reportTo,
            TimerScheduler<Command> timers,
            ActorRef<Command> self) {
        this.device = device;
        this.config = config;
        this.loader = loader;
        this.headerDirs = headerDirs;
        this.maps = maps;
        this.reportTo = reportTo;
        this.timers = timers;
        this.self = self;
    }

    public static Behavior<Command> create(
            AgentConfig.Device device,
            AgentConfig config,
            ObjectLoader loader,
            List<Path> headerDirs,
            List<BpfMap<?, ?>> maps,
            ActorRef<Status> reportTo) {
        return Behaviors.withTimers(timers -> Behaviors.setup(ctx -> {
            ctx.getSelf().tell(new Attach());
            return new DeviceLoader(device, config, loader, headerDirs, maps, reportTo, timers, ctx.getSelf())
                    .unattached(Status.pending(device.label()));
        }));
    }

    /** Pending or retrying: the next Attach (now, or from the retry timer) tries again. */
    private Behavior<Command> unattached(Status status) {
        return inEveryPhase(Behaviors.receive(Command.class).onMessage(Attach.class, a -> onAttach(status)), status);
    }

    /** Our program is on the device; the periodic Check makes sure it stays so. */
    private Behavior<Command> attached(Status status) {
        return inEveryPhase(Behaviors.receive(Command.class).onMessage(Check.class, c -> onCheck(status)), status);
    }

    /** Taken off (or failed to be): nothing attaches again until the actor is started anew. */
    private Behavior<Command> detached(Status status) {
        return inEveryPhase(Behaviors.receive(Command.class), status);
    }

    /** What every phase answers the same way: its status, and a Detach. */
    private Behavior<Command> inEveryPhase(BehaviorBuilder<Command> phase, Status status) {
        return phase.onMessage(GetStatus.class, g -> onGetStatus(g, status))
                .onMessage(Detach.class, d -> onDetach(d, status))
                .build();
    }

    private Behavior<Command> onAttach(Status before) {
        int attempt = before.attempts() + 1;
        Status now;
        Behavior<Command> next;
        try {
            now = attach(attempt);
            timers.cancel(RETRY);
            timers.startTimerWithFixedDelay(CHECK, new Check(), config.deviceCheck());
            LOG.info(
                    "prefilter attached to {} ({}, program id {})",
                    device.label(),
                    now.mode().orElse("?"),
                    now.programId().orElse(0));
            next = attached(now);
        } catch (RuntimeException e) {
            Duration delay = backoff(config, attempt);
            now = Status.without(device.label(), State.RETRYING, e.getMessage(), attempt);
            LOG.warn(
                    "prefilter on {} not attached (attempt {}), retrying in {} ms: {}",
                    device.label(),
                    attempt,
                    delay.toMillis(),
                    e.getMessage());
            timers.cancel(CHECK);
            timers.startSingleTimer(RETRY, new Attach(), delay);
            next = unattached(now);
        }
        reportTo.tell(now);
        return next;
    }

    /** A device that vanished, or lost our program to someone else, goes back to attaching. */
    private Behavior<Command> onCheck(Status status) {
        String problem = problem(status);
        if (problem == null) {
            return Behaviors.same();
        }
        LOG.warn("prefilter on {}: {}; attaching again", device.label(), problem);
        timers.cancel(CHECK);
        Status retrying = Status.without(device.label(), State.RETRYING, problem, 0);
        reportTo.tell(retrying);
        self.tell(new Attach());
        return unattached(retrying);
    }

    private Behavior<Command> onGetStatus(GetStatus get, Status status) {
        get.replyTo().tell(status);
        return Behaviors.same();
    }

    private Behavior<Command> onDetach(Detach detach, Status before) {
        timers.cancel(RETRY);
        timers.cancel(CHECK);
        Status now;
        try {
            XdpDetach.detach(device);
            now = Status.without(device.label(), State.DETACHED, null, before.attempts());
        } catch (RuntimeException e) {
            now = Status.without(device.label(), State.DETACH_FAILED, e.getMessage(), before.attempts());
        }
        detach.replyTo().tell(now);
        reportTo.tell(now);
        return detached(now);
    }

    private Status attach(int attempt) {
        try (ObjectLoader.Loaded loaded = loader.load("bpf_xdp.c", headerDirs, maps, DatapathMaps.PREFILTER_LAYOUTS)) {
            var program = loaded.program("xdp_prefilter");
            return XdpDetach.inNetns(device, () -> {
                int ifindex = Devices.ifindex(device.name())
                        .orElseThrow(() -> new IllegalStateException("device " + device.label() + " does not exist"));
                Xdp.attach(ifindex, program, device.mode());
                Xdp.Status x = Xdp.query(ifindex);
                return new Status(
                        device.label(),
                        State.ATTACHED,
                        x.mode().map(m -> m.name().toLowerCase()),
                        OptionalInt.of(x.programId()),
                        Optional.empty(),
                        attempt,
                        Optional.of(loaded.compiled().cacheHit()));
            });
        }
    }

    /** Why the device no longer carries our program, or null if it does. */
    private String problem(Status status) {
        try {
            return XdpDetach.inNetns(device, () -> {
                OptionalInt idx = Devices.ifindex(device.name());
                if (idx.isEmpty()) {
                    return "device " + device.label() + " is gone";
                }
                int id = Xdp.query(idx.getAsInt()).programId();
                return id == status.programId().orElse(-1)
                        ? null
                        : "device " + device.label() + " carries program " + id + ", not ours";
            });
        } catch (RuntimeException e) {
            return "cannot check " + device.label() + ": " + e.getMessage();
        }
    }

    static Duration backoff(AgentConfig config, int attempt) {
        long min = config.retryMin().toMillis();
        long max = config.retryMax().toMillis();
        long delay = min << Math.min(attempt - 1, 20);
        return Duration.ofMillis(Math.min(Math.max(delay, min), max));
    }
}
