package io.membrane.actors.endpoint;

import io.membrane.actors.identity.Identity;
import io.membrane.actors.identity.IdentityAllocator;
import io.membrane.actors.identity.LabelSet;
import io.membrane.actors.ipcache.IpCache;
import io.membrane.datapath.structs.EndpointConfig;
import io.membrane.maps.net.Cidr;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One endpoint's life, one Behavior per state of Cilium's lifecycle: restoring (an endpoint kept from an earlier
 * run, its programs still attached), waiting-for-identity, waiting-to-regenerate, regenerating, ready,
 * disconnecting. Every change is logged ({@link EndpointLog}) and counted ({@link EndpointCounts}). Kernel work
 * runs on the {@link EndpointHost}'s threads, never on the actor's, and the actor touches the datapath only from
 * one phase at a time: a delete or a label change that comes while it regenerates waits for the regeneration.
 *
 * <p>Supervision: a regeneration that fails throws, and the parent restarts the actor with back-off. The new
 * incarnation starts from the run directory and what the kernel holds: if the endpoint's links are pinned it
 * restores them (its traffic never stopped), else it programs the endpoint again.
 */
public final class Endpoint {
    private static final Logger LOG = LoggerFactory.getLogger(Endpoint.class);
    private static final String INTERFACE_TIMER = "interface";
    private static final String IDENTITY_TIMER = "identity";

    public sealed interface Command permits Get, SetLabels, Delete, AwaitReady, Internal {}

    public record Get(ActorRef<Status> replyTo) implements Command {}

    /** PATCH labels: answered once the endpoint is ready with the new labels' identity. */
    public record SetLabels(LabelSet labels, ActorRef<Outcome> replyTo) implements Command {}

    /** Answered once the endpoint is gone from the kernel, the ipcache and the run directory. */
    public record Delete(ActorRef<Outcome> replyTo) implements Command {}

    /** Answered once the endpoint is ready, or with why it stopped trying. */
    public record AwaitReady(ActorRef<Outcome> replyTo) implements Command {}

    public sealed interface Outcome permits Done, Failed {}

    public record Done(Status status) implements Outcome {}

    public record Failed(String message) implements Outcome {}

    /** What GET /v1/endpoint/{id} shows. {@code identity} 0: none yet. */
    public record Status(
            int id,
            EndpointState state,
            int identity,
            LabelSet labels,
            Ipv4Prefix ipv4,
            Optional<Ipv6Prefix> ipv6,
            String interfaceName,
            OptionalInt ifindex,
            Optional<String> mac,
            Optional<String> lastError,
            List<EndpointLog.Entry> log) {}

    /** Told to the parent once the endpoint has been taken down (or its interface went and it was cleaned up). */
    public record Disconnected(int id, String reason) {}

    /** What an endpoint is made of, as the API gave it (an address allocated if none was given). */
    public record Definition(
            int id,
            String interfaceName,
            Ipv4Prefix ipv4,
            Optional<Ipv6Prefix> ipv6,
            LabelSet labels,
            Optional<String> mac) {
        EndpointStore.Saved saved(int identity, EndpointState state, String program) {
            return new EndpointStore.Saved(
                    String.valueOf(id), interfaceName, Optional.of(ipv4), ipv6, labels, mac, identity, state, program);
        }
    }

    /** What every endpoint shares. */
    public record Services(
            EndpointHost host,
            IdentityAllocator identities,
            OwnIpEntries ipcache,
            EndpointStore store,
            EndpointCounts counts,
            Duration interfaceCheck,
            Duration identityRetry) {}

    private sealed interface Internal extends Command
            permits Restored,
                    IdentityReady,
                    IdentityFailed,
                    RetryIdentity,
                    Regenerated,
                    CheckInterface,
                    InterfaceChecked,
                    Removed {}

    /** {@code current}: the pinned links run what a regeneration would load (same object, same device). */
    private record Restored(Optional<EndpointHost.Programmed> programmed, boolean current, Throwable failure)
            implements Internal {}

    private record IdentityReady(Identity identity, LabelSet labels) implements Internal {}

    private record IdentityFailed(Throwable cause, LabelSet labels) implements Internal {}

    private record RetryIdentity() implements Internal {}

    /** {@code programmed} the endpoint's handle after the work; {@code failure} null if it succeeded. */
    private record Regenerated(Optional<EndpointHost.Programmed> programmed, Throwable failure) implements Internal {}

    private record CheckInterface() implements Internal {}

    private record InterfaceChecked(OptionalInt ifindex) implements Internal {}

    private record Removed(Throwable failure) implements Internal {}

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final Services services;
    private final EndpointLog log;
    private final ActorRef<Disconnected> parent;
    private final String holder;
    private Definition definition;
    private int ifindex;
    private Optional<EndpointHost.Programmed> programmed = Optional.empty();
    /** The identity the datapath runs with (0: none yet), and the one being moved to. */
    private Identity realized;

    private Identity wanted;
    private final List<ActorRef<Outcome>> awaitingReady = new ArrayList<>();
    private final List<ActorRef<Outcome>> deleting = new ArrayList<>();
    /** Labels asked for while a regeneration ran: the next one uses them. */
    private Optional<LabelSet> nextLabels = Optional.empty();

    private Optional<String> lastError = Optional.empty();
    /** The labels whose identity is being asked for. */
    private LabelSet asked;
    /** The compiled template's key the links run, as last saved ("": not known). */
    private String runningProgram = "";
    /** After a restore whose pinned program is current: the identity it was built for (0: none, regenerate). */
    private int restoredCurrent;

    private Endpoint(
            ActorContext<Command> ctx,
            TimerScheduler<Command> timers,
            Services services,
            EndpointLog log,
            ActorRef<Disconnected> parent,
            Definition definition,
            int ifindex) {
        this.ctx = ctx;
        this.timers = timers;
        this.services = services;
        this.log = log;
        this.parent = parent;
        this.definition = definition;
        this.ifindex = ifindex;
        this.holder = "endpoint:" + definition.id();
    }

    /**
     * An endpoint kept in the store under {@code definition.id()} (the parent saves a new one before it spawns
     * it). {@code savedIdentity}: the number its labels had when it was last ready (0: none), kept if the
     * cluster still gives those labels that number. {@code log} outlives restarts of the actor.
     */
    public static Behavior<Command> create(
            Services services,
            EndpointLog log,
            ActorRef<Disconnected> parent,
            Definition definition,
            int ifindex,
            int savedIdentity) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            // A restarted actor goes on from what was kept last (a label change, its identity), not its spawn.
            Optional<EndpointStore.Saved> kept = services.store().load(String.valueOf(definition.id()));
            Definition d = kept.map(s -> new Definition(
                            definition.id(), s.interfaceName(), definition.ipv4(), s.ipv6(), s.labels(), s.mac()))
                    .orElse(definition);
            Endpoint e = new Endpoint(ctx, timers, services, log, parent, d, ifindex);
            e.runningProgram = kept.map(EndpointStore.Saved::program).orElse("");
            return e.start(kept.map(EndpointStore.Saved::identity).orElse(savedIdentity));
        }));
    }

    private Behavior<Command> start(int savedIdentity) {
        if (services.host().pinned(definition.id())) {
            enter(EndpointState.RESTORING, "restoring the endpoint's pinned programs and maps");
            EndpointConfig config = config(savedIdentity);
            EndpointHost host = services.host();
            String saved = runningProgram;
            int device = ifindex;
            ctx.pipeToSelf(
                    host.run(() -> {
                        EndpointHost.Programmed p = host.restore(config, definition.ipv4(), definition.interfaceName());
                        boolean current =
                                !saved.isEmpty() && saved.equals(host.templateKey()) && p.attachedIfindex() == device;
                        return new Restored(Optional.of(p), current, null);
                    }),
                    (r, t) -> r != null ? r : new Restored(Optional.empty(), false, t));
            return restoring(savedIdentity);
        }
        return waitingForIdentity("allocating the labels' identity");
    }

    // --- phases ---

    /** What every live phase answers the same way. */
    private BehaviorBuilder<Command> live() {
        return Behaviors.receive(Command.class)
                .onMessage(Get.class, this::onGet)
                .onMessage(AwaitReady.class, this::onAwaitReady)
                .onMessage(CheckInterface.class, c -> Behaviors.same())
                .onMessage(InterfaceChecked.class, c -> Behaviors.same())
                .onSignal(PreRestart.class, s -> letGo())
                .onSignal(PostStop.class, s -> letGo());
    }

    private Behavior<Command> restoring(int savedIdentity) {
        return live().onMessage(Restored.class, r -> onRestored(r, savedIdentity))
                .onMessage(Delete.class, this::deferDelete)
                .onMessage(SetLabels.class, this::deferLabels)
                .build();
    }

    private Behavior<Command> waitingForIdentity(String why) {
        enter(EndpointState.WAITING_FOR_IDENTITY, why);
        asked = nextLabels.orElse(definition.labels());
        nextLabels = Optional.empty();
        acquire(asked);
        return live().onMessage(IdentityReady.class, this::onIdentityReady)
                .onMessage(IdentityFailed.class, this::onIdentityFailed)
                .onMessage(RetryIdentity.class, r -> {
                    acquire(asked);
                    return Behaviors.same();
                })
                .onMessage(Delete.class, this::onDelete)
                .onMessage(SetLabels.class, this::deferLabels)
                .build();
    }

    /** Moves through waiting-to-regenerate into regenerating: the kernel work starts at once. */
    private Behavior<Command> regenerate(String why) {
        enter(EndpointState.WAITING_TO_REGENERATE, why);
        enter(EndpointState.REGENERATING, "programming the datapath with identity " + wanted.id());
        EndpointConfig config = config(wanted.id());
        Optional<EndpointHost.Programmed> current = programmed;
        EndpointHost host = services.host();
        ctx.pipeToSelf(
                host.run(() -> {
                    if (current.isPresent()) {
                        current.get().regenerate(config);
                        return current.get();
                    }
                    return host.program(config, definition.ipv4(), definition.interfaceName());
                }),
                (p, t) -> new Regenerated(Optional.ofNullable(p), t));
        return live().onMessage(Regenerated.class, this::onRegenerated)
                .onMessage(Delete.class, this::deferDelete)
                .onMessage(SetLabels.class, this::deferLabels)
                .onMessage(IdentityReady.class, this::releaseLate)
                .onMessage(IdentityFailed.class, f -> Behaviors.same())
                .build();
    }

    private Behavior<Command> ready() {
        enter(EndpointState.READY, "ready with identity " + realized.id());
        awaitingReady.forEach(r -> r.tell(new Done(status())));
        awaitingReady.clear();
        timers.startTimerWithFixedDelay(INTERFACE_TIMER, new CheckInterface(), services.interfaceCheck());
        return Behaviors.receive(Command.class)
                .onMessage(Get.class, this::onGet)
                .onMessage(AwaitReady.class, a -> {
                    a.replyTo().tell(new Done(status()));
                    return Behaviors.same();
                })
                .onMessage(SetLabels.class, this::onSetLabels)
                .onMessage(Delete.class, this::onDelete)
                .onMessage(CheckInterface.class, c -> onCheckInterface())
                .onMessage(InterfaceChecked.class, this::onInterfaceChecked)
                .onMessage(IdentityReady.class, this::releaseLate)
                .onSignal(PreRestart.class, s -> letGo())
                .onSignal(PostStop.class, s -> letGo())
                .build();
    }

    private Behavior<Command> disconnecting(String why) {
        timers.cancelAll();
        enter(EndpointState.DISCONNECTING, why);
        Optional<EndpointHost.Programmed> current = programmed;
        programmed = Optional.empty();
        EndpointHost host = services.host();
        int id = definition.id();
        Ipv4Prefix ipv4 = definition.ipv4();
        ctx.pipeToSelf(
                host.run(() -> {
                    if (current.isPresent()) {
                        current.get().remove();
                    } else {
                        host.removeLeftovers(id, ipv4);
                    }
                    return null;
                }),
                (ok, t) -> new Removed(t));
        return Behaviors.receive(Command.class)
                .onMessage(Get.class, this::onGet)
                .onMessage(Delete.class, d -> {
                    deleting.add(d.replyTo());
                    return Behaviors.same();
                })
                .onMessage(AwaitReady.class, a -> {
                    a.replyTo().tell(new Failed("endpoint " + id + " is being deleted"));
                    return Behaviors.same();
                })
                .onMessage(SetLabels.class, s -> {
                    s.replyTo().tell(new Failed("endpoint " + id + " is being deleted"));
                    return Behaviors.same();
                })
                .onMessage(IdentityReady.class, this::releaseLate)
                .onMessage(Removed.class, r -> onRemoved(r, why))
                .onMessage(Internal.class, i -> Behaviors.same())
                .build();
    }

    // --- handlers ---

    private Behavior<Command> onRestored(Restored r, int savedIdentity) {
        if (r.failure() != null) {
            // Pins that cannot be taken over are replaced: the endpoint is programmed anew.
            lastError = Optional.of("restore: " + message(r.failure()));
            LOG.warn(
                    "endpoint {}: cannot restore its pinned state, programming it again: {}",
                    definition.id(),
                    message(r.failure()));
            removeLeftoversNow();
            return waitingForIdentity("restore failed; allocating the labels' identity");
        }
        programmed = r.programmed();
        if (!deleting.isEmpty()) {
            return disconnecting("deleted while restoring");
        }
        restoredCurrent = r.current() ? savedIdentity : 0;
        if (savedIdentity > 0 && nextLabels.isEmpty()) {
            asked = definition.labels();
            services.identities()
                    .hold(savedIdentity, definition.labels(), holder)
                    .whenComplete((id, t) -> ctx.getSelf()
                            .tell(
                                    id != null
                                            ? new IdentityReady(id, definition.labels())
                                            : new IdentityFailed(t, definition.labels())));
            enter(EndpointState.WAITING_FOR_IDENTITY, "restored; confirming identity " + savedIdentity);
            return live().onMessage(IdentityReady.class, this::onIdentityReady)
                    .onMessage(IdentityFailed.class, this::onIdentityFailed)
                    .onMessage(RetryIdentity.class, x -> {
                        acquire(asked);
                        return Behaviors.same();
                    })
                    .onMessage(Delete.class, this::onDelete)
                    .onMessage(SetLabels.class, this::deferLabels)
                    .build();
        }
        return waitingForIdentity("restored; allocating the labels' identity");
    }

    private void acquire(LabelSet labels) {
        services.identities().acquire(labels, holder).whenComplete((id, t) -> ctx.getSelf()
                .tell(id != null ? new IdentityReady(id, labels) : new IdentityFailed(t, labels)));
    }

    private Behavior<Command> onIdentityReady(IdentityReady r) {
        if (!r.labels().equals(asked)) {
            return releaseLate(r); // an answer for labels asked for before
        }
        if (nextLabels.isPresent()) {
            // Labels changed again while this was asked for: the newer ones win.
            services.identities().release(r.identity().id(), holder);
            return waitingForIdentity("labels changed; allocating their identity");
        }
        if (!asked.equals(definition.labels())) {
            definition = withLabels(asked);
        }
        wanted = r.identity();
        timers.cancel(IDENTITY_TIMER);
        if (restoredCurrent != 0 && restoredCurrent == wanted.id() && programmed.isPresent()) {
            // The pinned links run the object and constants a regeneration would load: nothing to reload.
            restoredCurrent = 0;
            realized = wanted;
            publish(Map.of(new Cidr.V4(definition.ipv4()), realized.id()), Set.of());
            return ready();
        }
        restoredCurrent = 0;
        // Kept before the kernel work: a restart after a failed regeneration resumes with these labels, and, the
        // program unknown until the load succeeds, regenerates rather than trusting the pinned one.
        runningProgram = "";
        save(wanted.id(), EndpointState.WAITING_TO_REGENERATE);
        return regenerate("identity " + wanted.id() + " for " + r.labels());
    }

    private Behavior<Command> onIdentityFailed(IdentityFailed f) {
        lastError = Optional.of("identity: " + message(f.cause()));
        LOG.info("endpoint {}: no identity for {} yet: {}", definition.id(), f.labels(), message(f.cause()));
        timers.startSingleTimer(IDENTITY_TIMER, new RetryIdentity(), services.identityRetry());
        return Behaviors.same();
    }

    private Behavior<Command> onRegenerated(Regenerated r) {
        if (r.failure() != null) {
            lastError = Optional.of("regeneration: " + message(r.failure()));
            if (!deleting.isEmpty()) {
                return disconnecting("deleted; its regeneration had failed: " + message(r.failure()));
            }
            // The supervisor restarts the actor, which starts again from the store and the pinned state.
            throw new EndpointException(definition.id(), "regeneration failed: " + message(r.failure()), r.failure());
        }
        programmed = r.programmed();
        programmed.ifPresent(p -> runningProgram = p.programKey());
        Identity previous = realized;
        realized = wanted;
        save(realized.id(), EndpointState.READY);
        publish(Map.of(new Cidr.V4(definition.ipv4()), realized.id()), Set.of());
        if (previous != null && previous.id() != realized.id()) {
            services.identities().release(previous.id(), holder);
        }
        if (!deleting.isEmpty()) {
            return disconnecting("deleted while regenerating");
        }
        if (nextLabels.isPresent() && !nextLabels.get().equals(definition.labels())) {
            return waitingForIdentity("labels changed while regenerating");
        }
        nextLabels = Optional.empty();
        lastError = Optional.empty();
        return ready();
    }

    private Behavior<Command> onSetLabels(SetLabels s) {
        awaitingReady.add(s.replyTo());
        if (s.labels().equals(definition.labels())) {
            return replyReadyNow();
        }
        timers.cancel(INTERFACE_TIMER);
        nextLabels = Optional.of(s.labels());
        return waitingForIdentity("labels changed to " + s.labels());
    }

    private Behavior<Command> replyReadyNow() {
        awaitingReady.forEach(r -> r.tell(new Done(status())));
        awaitingReady.clear();
        return Behaviors.same();
    }

    private Behavior<Command> deferLabels(SetLabels s) {
        awaitingReady.add(s.replyTo());
        nextLabels = Optional.of(s.labels());
        return Behaviors.same();
    }

    private Behavior<Command> onDelete(Delete d) {
        deleting.add(d.replyTo());
        return disconnecting("deleted");
    }

    private Behavior<Command> deferDelete(Delete d) {
        deleting.add(d.replyTo());
        return Behaviors.same();
    }

    private Behavior<Command> onCheckInterface() {
        String name = definition.interfaceName();
        ctx.pipeToSelf(
                services.host().ifindex(name),
                (idx, t) -> new InterfaceChecked(idx != null ? idx : OptionalInt.of(ifindex)));
        return Behaviors.same();
    }

    private Behavior<Command> onInterfaceChecked(InterfaceChecked c) {
        if (c.ifindex().isEmpty() || c.ifindex().getAsInt() != ifindex) {
            return disconnecting("interface " + definition.interfaceName() + " is gone");
        }
        return Behaviors.same();
    }

    private Behavior<Command> onRemoved(Removed r, String why) {
        if (r.failure() != null) {
            // Pins may remain: the endpoint stays in the store, so the next start finds it and tries again.
            lastError = Optional.of("removal: " + message(r.failure()));
            LOG.error("endpoint {}: removal failed: {}", definition.id(), message(r.failure()));
        }
        publish(Map.of(), Set.of(new Cidr.V4(definition.ipv4())));
        if (realized != null) {
            services.identities().release(realized.id(), holder);
        }
        if (wanted != null && (realized == null || wanted.id() != realized.id())) {
            services.identities().release(wanted.id(), holder);
        }
        if (r.failure() == null) {
            try {
                services.store().remove(String.valueOf(definition.id()));
            } catch (IOException e) {
                LOG.error("endpoint {}: cannot remove its state: {}", definition.id(), e.getMessage());
            }
        }
        enter(EndpointState.DISCONNECTED, why);
        Outcome outcome = r.failure() == null
                ? new Done(status())
                : new Failed("endpoint " + definition.id() + ": removal failed: " + message(r.failure()));
        deleting.forEach(d -> d.tell(outcome));
        awaitingReady.forEach(a -> a.tell(new Failed("endpoint " + definition.id() + " was deleted: " + why)));
        parent.tell(new Disconnected(definition.id(), why));
        return Behaviors.stopped();
    }

    private Behavior<Command> releaseLate(IdentityReady r) {
        // An answer that came after the phase that asked: its use is dropped again.
        if ((realized == null || r.identity().id() != realized.id())
                && (wanted == null || r.identity().id() != wanted.id())) {
            services.identities().release(r.identity().id(), holder);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onGet(Get g) {
        g.replyTo().tell(status());
        return Behaviors.same();
    }

    private Behavior<Command> onAwaitReady(AwaitReady a) {
        awaitingReady.add(a.replyTo());
        return Behaviors.same();
    }

    // --- helpers ---

    private void publish(Map<Cidr, Integer> entries, Set<Cidr> withdrawn) {
        int id = definition.id();
        services.ipcache().publish(entries, withdrawn).whenComplete((r, t) -> {
            if (t != null || r instanceof IpCache.Rejected) {
                LOG.warn("endpoint {}: ipcache entry not published: {}", id, t != null ? message(t) : r);
            }
        });
    }

    private void save(int identity, EndpointState state) {
        try {
            services.store().save(definition.saved(identity, state, runningProgram));
        } catch (IOException e) {
            throw new UncheckedIOException("endpoint " + definition.id() + ": cannot save its state", e);
        }
    }

    private void removeLeftoversNow() {
        int id = definition.id();
        Ipv4Prefix ipv4 = definition.ipv4();
        services.host()
                .run(() -> {
                    services.host().removeLeftovers(id, ipv4);
                    return null;
                })
                .toCompletableFuture()
                .join();
    }

    private Behavior<Command> letGo() {
        // A restart or a stop lets go of the handles only: what is pinned keeps the endpoint's traffic flowing.
        programmed.ifPresent(EndpointHost.Programmed::close);
        programmed = Optional.empty();
        return Behaviors.same();
    }

    private void enter(EndpointState to, String message) {
        if (log.state() == to) {
            return;
        }
        log.moveTo(Instant.now(), to, message);
        services.counts().entered(definition.id(), to);
    }

    private EndpointConfig config(int identity) {
        return new EndpointConfig(
                definition.id(),
                ifindex,
                identity,
                definition.ipv4().address(),
                definition.ipv6().map(Ipv6Prefix::addressBytes));
    }

    private Definition withLabels(LabelSet labels) {
        Definition d = definition;
        return new Definition(d.id(), d.interfaceName(), d.ipv4(), d.ipv6(), labels, d.mac());
    }

    private Status status() {
        return new Status(
                definition.id(),
                log.state(),
                realized == null ? 0 : realized.id(),
                definition.labels(),
                definition.ipv4(),
                definition.ipv6(),
                definition.interfaceName(),
                OptionalInt.of(ifindex),
                definition.mac(),
                lastError,
                log.entries());
    }

    private static String message(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
