package io.membrane.actors.endpoint;

import io.membrane.actors.identity.LabelException;
import io.membrane.actors.identity.LabelSet;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's endpoints: it checks a request before anything is made (the id free, the interface there and not
 * another endpoint's, the address in the pod CIDR and free, the labels valid), gives the endpoint its addresses
 * and its directory in the run directory, and spawns its {@link Endpoint} actor. Each Endpoint is restarted on its
 * own with back-off when it fails: one endpoint's failure never stops another. At start it restores every endpoint
 * the run directory keeps, and gives back the addresses of endpoints that were never saved.
 *
 * <p>Runs on the blocking dispatcher: the interface check of a request is a syscall in the host's namespace.
 */
public final class EndpointManager {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointManager.class);
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");
    private static final int LOG_CAPACITY = 64;
    private static final Duration ASK = Duration.ofSeconds(5);

    public sealed interface Command permits Create, Get, ListEndpoints, SetLabels, Delete, Internal {}

    /**
     * PUT /v1/endpoint/{id}. {@code ipv4} empty: one is allocated from the pod CIDR. {@code sync}: answered once
     * the endpoint is ready (or with its failure, and then nothing of it is left), else once it was accepted.
     */
    public record Create(
            int id,
            String interfaceName,
            Optional<String> ipv4,
            Optional<String> ipv6,
            java.util.List<String> labels,
            Optional<String> mac,
            boolean sync,
            ActorRef<Reply> replyTo)
            implements Command {}

    public record Get(int id, ActorRef<Reply> replyTo) implements Command {}

    /** GET /v1/endpoint: those that have every one of {@code labels} (empty: all). */
    public record ListEndpoints(java.util.List<String> labels, ActorRef<Reply> replyTo) implements Command {}

    public record SetLabels(int id, java.util.List<String> labels, ActorRef<Reply> replyTo) implements Command {}

    public record Delete(int id, ActorRef<Reply> replyTo) implements Command {}

    public sealed interface Reply permits Found, Listed, Refused, NotFound, Failed {}

    /** {@code created}: a new endpoint (201), else an existing one. */
    public record Found(Endpoint.Status status, boolean created) implements Reply {}

    public record Listed(java.util.List<Endpoint.Status> endpoints) implements Reply {}

    /** A request that cannot succeed, nothing changed: {@code field} names what is wrong, {@code conflict} 409. */
    public record Refused(String field, String value, String message, boolean conflict) implements Reply {}

    public record NotFound(int id) implements Reply {}

    /** The request was valid but did not succeed (the endpoint's failure, a timeout); nothing of it is left. */
    public record Failed(String message) implements Reply {}

    private sealed interface Internal extends Command permits Gone, Answered {}

    private record Gone(Endpoint.Disconnected d) implements Internal {}

    /** A sync create's endpoint answered (or did not in time). */
    private record Answered(Create create, Endpoint.Outcome outcome, Throwable failure) implements Internal {}

    /** The running manager and the counts it keeps, for the API. */
    public record Handle(ActorRef<Command> ref, EndpointCounts counts) {}

    /** What every endpoint uses, and where the manager keeps its own state. */
    public record Settings(Endpoint.Services services, Ipam ipam, Duration readyTimeout) {}

    private record Child(ActorRef<Endpoint.Command> ref, String interfaceName, Ipv4Prefix ipv4) {}

    private final ActorContext<Command> ctx;
    private final Settings settings;
    private final Map<Integer, Child> children = new TreeMap<>();
    private final Map<Integer, EndpointLog> logs = new HashMap<>();
    private final ActorRef<Endpoint.Disconnected> gone;
    private long spawned;
    private boolean gatewayMade;

    private EndpointManager(ActorContext<Command> ctx, Settings settings) {
        this.ctx = ctx;
        this.settings = settings;
        this.gone = ctx.messageAdapter(Endpoint.Disconnected.class, Gone::new);
    }

    public static Behavior<Command> create(Settings settings) {
        return Behaviors.setup(ctx -> {
            EndpointManager m = new EndpointManager(ctx, settings);
            m.restoreAll();
            return m.running();
        });
    }

    private Behavior<Command> running() {
        return Behaviors.receive(Command.class)
                .onMessage(Create.class, this::onCreate)
                .onMessage(Answered.class, this::onAnswered)
                .onMessage(Get.class, this::onGet)
                .onMessage(ListEndpoints.class, this::onList)
                .onMessage(SetLabels.class, this::onSetLabels)
                .onMessage(Delete.class, this::onDelete)
                .onMessage(Gone.class, this::onGone)
                .onSignal(PostStop.class, s -> {
                    settings.services().host().close();
                    return Behaviors.same();
                })
                .build();
    }

    // --- start ---

    private void restoreAll() throws IOException {
        EndpointStore.Loaded loaded = settings.services().store().loadAll();
        loaded.unreadable().forEach((id, why) -> LOG.warn("endpoint state {} cannot be restored: {}", id, why));
        Map<Ipv4Prefix, String> kept = new HashMap<>();
        for (EndpointStore.Saved s : loaded.endpoints()) {
            int id;
            try {
                id = Integer.parseInt(s.id());
            } catch (NumberFormatException e) {
                LOG.warn("endpoint state {} cannot be restored: not a numeric endpoint id", s.id());
                continue;
            }
            if (s.ipv4().isEmpty()) {
                LOG.warn("endpoint {} cannot be restored: it has no IPv4 address", id);
                continue;
            }
            Ipv4Prefix ipv4 = s.ipv4().get();
            kept.put(ipv4, s.id());
            try {
                settings.ipam().allocate(ipv4, s.id());
            } catch (IpamException e) {
                LOG.warn(
                        "endpoint {}: its address is not this node's any more ({}); restoring it anyway",
                        id,
                        e.getMessage());
            }
            // 0: the interface is gone, and the endpoint is cleaned up as it restores.
            int ifindex = ifindexOf(s.interfaceName()).orElse(0);
            Endpoint.Definition d = new Endpoint.Definition(id, s.interfaceName(), ipv4, s.ipv6(), s.labels(), s.mac());
            spawn(d, ifindex, s.identity(), EndpointState.RESTORING, "read back from the run directory");
        }
        // An address handed out for an endpoint whose state was never saved belongs to nobody.
        settings.ipam().allocations().forEach((address, owner) -> {
            if (!owner.equals(kept.get(address))) {
                settings.ipam().release(address, owner);
            }
        });
        if (!children.isEmpty()) {
            LOG.info("restoring {} endpoints", children.size());
        }
    }

    // --- requests ---

    private Behavior<Command> onCreate(Create c) {
        // One lookup of the device serves the check and the endpoint's constants.
        OptionalInt device = ifindexOf(c.interfaceName());
        Optional<Refused> bad = check(c, device);
        if (bad.isPresent()) {
            c.replyTo().tell(bad.get());
            return Behaviors.same();
        }
        LabelSet labels = LabelSet.parseUser(c.labels());
        Optional<Ipv6Prefix> ipv6 = c.ipv6().map(Ipv6Prefix::host);
        String owner = String.valueOf(c.id());
        Ipv4Prefix ipv4;
        try {
            ipv4 = c.ipv4().isPresent()
                    ? settings.ipam().allocate(Ipv4Prefix.host(c.ipv4().get()), owner)
                    : settings.ipam().allocate(owner);
        } catch (IpamException e) {
            c.replyTo()
                    .tell(new Refused(
                            "addressing.ipv4",
                            e.offendingValue(),
                            e.getMessage(),
                            e.reason() == IpamException.Reason.IN_USE));
            return Behaviors.same();
        }
        int ifindex = device.orElse(0);
        Endpoint.Definition d = new Endpoint.Definition(c.id(), c.interfaceName(), ipv4, ipv6, labels, c.mac());
        try {
            settings.services().store().save(d.saved(0, EndpointState.WAITING_FOR_IDENTITY, ""));
        } catch (IOException e) {
            settings.ipam().release(ipv4, owner);
            c.replyTo().tell(new Failed("endpoint " + c.id() + ": cannot save its state: " + e.getMessage()));
            return Behaviors.same();
        }
        ActorRef<Endpoint.Command> ref =
                spawn(d, ifindex, 0, EndpointState.WAITING_FOR_IDENTITY, "created through the API");
        if (c.sync()) {
            CompletionStage<Endpoint.Outcome> ready = AskPattern.ask(
                    ref,
                    Endpoint.AwaitReady::new,
                    settings.readyTimeout(),
                    ctx.getSystem().scheduler());
            ctx.pipeToSelf(ready, (o, t) -> new Answered(c, o, t));
        } else {
            reply(ref, c.replyTo(), true);
        }
        return Behaviors.same();
    }

    /** The first thing wrong with a create, if any; nothing is changed by looking. */
    private Optional<Refused> check(Create c, OptionalInt device) {
        if (c.id() < 1 || c.id() > 65_535) {
            return Optional.of(new Refused("id", String.valueOf(c.id()), "an endpoint id is 1..65535", false));
        }
        if (children.containsKey(c.id())) {
            return Optional.of(new Refused("id", String.valueOf(c.id()), "endpoint " + c.id() + " exists", true));
        }
        if (device.isEmpty()) {
            return Optional.of(new Refused(
                    "interface-name",
                    c.interfaceName(),
                    "no network device " + c.interfaceName() + " on this node",
                    false));
        }
        for (var e : children.entrySet()) {
            if (e.getValue().interfaceName().equals(c.interfaceName())) {
                return Optional.of(new Refused(
                        "interface-name",
                        c.interfaceName(),
                        c.interfaceName() + " is endpoint " + e.getKey() + "'s interface",
                        true));
            }
        }
        try {
            LabelSet.parseUser(c.labels());
        } catch (LabelException e) {
            return Optional.of(new Refused("labels", e.label(), e.getMessage(), false));
        }
        if (c.ipv4().isPresent()) {
            try {
                Ipv4Prefix.host(c.ipv4().get());
            } catch (IllegalArgumentException e) {
                return Optional.of(new Refused(
                        "addressing.ipv4", c.ipv4().get(), "'" + c.ipv4().get() + "' is no IPv4 address", false));
            }
        }
        if (c.ipv6().isPresent()) {
            try {
                Ipv6Prefix.host(c.ipv6().get());
            } catch (IllegalArgumentException e) {
                return Optional.of(new Refused(
                        "addressing.ipv6", c.ipv6().get(), "'" + c.ipv6().get() + "' is no IPv6 address", false));
            }
        }
        if (c.mac().isPresent() && !MAC.matcher(c.mac().get()).matches()) {
            return Optional.of(new Refused("mac", c.mac().get(), "a MAC address is six hex pairs (aa:bb:..)", false));
        }
        return Optional.empty();
    }

    private Behavior<Command> onAnswered(Answered a) {
        Child child = children.get(a.create().id());
        if (a.outcome() instanceof Endpoint.Done done) {
            a.create().replyTo().tell(new Found(done.status(), true));
            return Behaviors.same();
        }
        String why = a.outcome() instanceof Endpoint.Failed f
                ? f.message()
                : "not ready within " + settings.readyTimeout().toMillis() + " ms";
        if (child != null) {
            // A sync create that fails leaves nothing: the endpoint is taken down again.
            child.ref().tell(new Endpoint.Delete(ctx.getSystem().ignoreRef()));
        }
        a.create().replyTo().tell(new Failed("endpoint " + a.create().id() + ": " + why));
        return Behaviors.same();
    }

    private Behavior<Command> onGet(Get g) {
        Child child = children.get(g.id());
        if (child == null) {
            g.replyTo().tell(new NotFound(g.id()));
        } else {
            reply(child.ref(), g.replyTo(), false);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onList(ListEndpoints l) {
        LabelSet wanted;
        try {
            wanted = LabelSet.parseUser(l.labels());
        } catch (LabelException e) {
            l.replyTo().tell(new Refused("labels", e.label(), e.getMessage(), false));
            return Behaviors.same();
        }
        List<CompletableFuture<Endpoint.Status>> all = new ArrayList<>();
        for (Child c : children.values()) {
            all.add(AskPattern.<Endpoint.Command, Endpoint.Status>ask(
                            c.ref(), Endpoint.Get::new, ASK, ctx.getSystem().scheduler())
                    .toCompletableFuture());
        }
        ActorRef<Reply> to = l.replyTo();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).whenComplete((v, t) -> {
            if (t != null) {
                to.tell(new Failed("an endpoint did not answer: " + t.getMessage()));
                return;
            }
            to.tell(new Listed(all.stream()
                    .map(CompletableFuture::join)
                    .filter(s -> s.labels().labels().containsAll(wanted.labels()))
                    .toList()));
        });
        return Behaviors.same();
    }

    private Behavior<Command> onSetLabels(SetLabels s) {
        LabelSet labels;
        try {
            labels = LabelSet.parseUser(s.labels());
        } catch (LabelException e) {
            s.replyTo().tell(new Refused("labels", e.label(), e.getMessage(), false));
            return Behaviors.same();
        }
        return forward(s.id(), s.replyTo(), r -> new Endpoint.SetLabels(labels, r));
    }

    private Behavior<Command> onDelete(Delete d) {
        return forward(d.id(), d.replyTo(), Endpoint.Delete::new);
    }

    /** Asks endpoint {@code id} and answers {@code to} with its outcome (NotFound if there is no such endpoint). */
    private Behavior<Command> forward(
            int id, ActorRef<Reply> to, Function<ActorRef<Endpoint.Outcome>, Endpoint.Command> request) {
        Child child = children.get(id);
        if (child == null) {
            to.tell(new NotFound(id));
            return Behaviors.same();
        }
        AskPattern.<Endpoint.Command, Endpoint.Outcome>ask(
                        child.ref(),
                        request::apply,
                        settings.readyTimeout(),
                        ctx.getSystem().scheduler())
                .whenComplete((o, t) -> to.tell(outcome(id, o, t)));
        return Behaviors.same();
    }

    private Behavior<Command> onGone(Gone g) {
        Child child = children.remove(g.d().id());
        logs.remove(g.d().id());
        if (child != null) {
            settings.ipam().release(child.ipv4(), String.valueOf(g.d().id()));
        }
        LOG.info("endpoint {} disconnected: {}", g.d().id(), g.d().reason());
        return Behaviors.same();
    }

    // --- helpers ---

    private ActorRef<Endpoint.Command> spawn(
            Endpoint.Definition d, int ifindex, int savedIdentity, EndpointState initial, String why) {
        if (!gatewayMade) {
            EndpointHost host = settings.services().host();
            host.run(() -> {
                        host.ensureGateway();
                        return null;
                    })
                    .toCompletableFuture()
                    .join();
            gatewayMade = true;
        }
        EndpointLog log = new EndpointLog(LOG_CAPACITY, Instant.now(), initial, why);
        settings.services().counts().entered(d.id(), initial);
        logs.put(d.id(), log);
        Behavior<Endpoint.Command> b = Behaviors.supervise(
                        Endpoint.create(settings.services(), log, gone, d, ifindex, savedIdentity))
                .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
        // A generation in the name: a deleted endpoint's actor may still be stopping when its id comes back.
        ActorRef<Endpoint.Command> ref = ctx.spawn(b, "endpoint-" + d.id() + "-" + spawned++);
        children.put(d.id(), new Child(ref, d.interfaceName(), d.ipv4()));
        return ref;
    }

    private void reply(ActorRef<Endpoint.Command> child, ActorRef<Reply> to, boolean created) {
        AskPattern.<Endpoint.Command, Endpoint.Status>ask(
                        child, Endpoint.Get::new, ASK, ctx.getSystem().scheduler())
                .whenComplete((s, t) ->
                        to.tell(s != null ? new Found(s, created) : new Failed("the endpoint did not answer: " + t)));
    }

    private static Reply outcome(int id, Endpoint.Outcome o, Throwable t) {
        if (o instanceof Endpoint.Done done) {
            return new Found(done.status(), false);
        }
        if (o instanceof Endpoint.Failed f) {
            return new Failed(f.message());
        }
        return new Failed("endpoint " + id + " did not answer in time: " + t.getMessage());
    }

    private OptionalInt ifindexOf(String name) {
        EndpointHost host = settings.services().host();
        return host.ifindex(name).toCompletableFuture().join();
    }
}
