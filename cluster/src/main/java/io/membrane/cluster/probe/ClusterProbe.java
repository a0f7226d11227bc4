package io.membrane.cluster.probe;

import io.membrane.cluster.wire.WireMessage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The Artery round trip between this node and another, measured with the plainest exchange there is: one actor
 * sends a small message to its twin on the other node and waits for the answer before sending the next. Every node
 * runs one, registered with the receptionist; it answers pings and, asked to {@link Measure}, pings another node's
 * probe. It is the floor the cluster's own request paths (the identity decider's answer, a replicated write) are
 * compared with: what they cost beyond the network is theirs.
 *
 * <p>One measurement runs at a time; others wait their turn in order. A ping unanswered for {@link #PING_TIMEOUT}
 * ends its measurement with an error (the node is unreachable or gone).
 */
public final class ClusterProbe {
    static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "membrane-probe");
    public static final Duration PING_TIMEOUT = Duration.ofSeconds(2);
    public static final int MAX_COUNT = 10_000;

    public sealed interface Command permits Measure, Ping, Pong, Internal {}

    /** Pings the probe of the node whose Pekko address is {@code address}, {@code count} times in a row. */
    public record Measure(String address, int count, ActorRef<Result> replyTo) implements Command {}

    /** What a measurement ends with. */
    public sealed interface Result permits Measured, Failed {}

    /** Each round trip in nanoseconds, in the order measured. */
    public record Measured(String address, long[] nanos) implements Result {}

    public record Failed(String address, String message) implements Result {}

    /** Between two nodes' probes; {@code replyTo} in Pekko's serialization format (ActorRefResolver). */
    public record Ping(long seq, String replyTo) implements Command, WireMessage {}

    public record Pong(long seq) implements Command, WireMessage {}

    private sealed interface Internal extends Command permits Listed, PingTimedOut {}

    private record Listed(Set<ActorRef<Command>> probes) implements Internal {}

    private record PingTimedOut(long seq) implements Internal {}

    /** The measurement under way. */
    private static final class Run {
        final Measure request;
        final ActorRef<Command> peer;
        final long[] nanos;
        int done;
        long seq;
        long sentAt;

        Run(Measure request, ActorRef<Command> peer) {
            this.request = request;
            this.peer = peer;
            this.nanos = new long[request.count()];
        }
    }

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ActorRefResolver resolver;
    private final String self;
    private final Queue<Measure> waiting = new ArrayDeque<>();
    private Set<ActorRef<Command>> probes = Set.of();
    private Run run;
    private long nextSeq = 1;

    private ClusterProbe(ActorContext<Command> ctx, TimerScheduler<Command> timers) {
        this.ctx = ctx;
        this.timers = timers;
        this.resolver = ActorRefResolver.get(ctx.getSystem());
        this.self = resolver.toSerializationFormat(ctx.getSelf());
    }

    public static Behavior<Command> create() {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
            ActorRef<Receptionist.Listing> listings =
                    ctx.messageAdapter(Receptionist.Listing.class, l -> new Listed(l.getServiceInstances(KEY)));
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(KEY, listings));
            return new ClusterProbe(ctx, timers).serving();
        }));
    }

    private Behavior<Command> serving() {
        return Behaviors.receive(Command.class)
                .onMessage(Listed.class, this::onListed)
                .onMessage(Ping.class, this::onPing)
                .onMessage(Pong.class, this::onPong)
                .onMessage(Measure.class, this::onMeasure)
                .onMessage(PingTimedOut.class, this::onTimedOut)
                .build();
    }

    private Behavior<Command> onListed(Listed listed) {
        probes = listed.probes();
        return Behaviors.same();
    }

    private Behavior<Command> onPing(Ping ping) {
        ActorRef<Command> asker = resolver.resolveActorRef(ping.replyTo());
        asker.tell(new Pong(ping.seq()));
        return Behaviors.same();
    }

    private Behavior<Command> onMeasure(Measure measure) {
        waiting.add(measure);
        if (run == null) {
            startNext();
        }
        return Behaviors.same();
    }

    private Behavior<Command> onPong(Pong pong) {
        if (run == null || pong.seq() != run.seq) {
            return Behaviors.same(); // the answer to a ping that already timed out
        }
        timers.cancel("ping");
        run.nanos[run.done++] = System.nanoTime() - run.sentAt;
        if (run.done == run.nanos.length) {
            run.request.replyTo().tell(new Measured(run.request.address(), run.nanos));
            run = null;
            startNext();
        } else {
            sendPing();
        }
        return Behaviors.same();
    }

    private Behavior<Command> onTimedOut(PingTimedOut timedOut) {
        if (run != null && timedOut.seq() == run.seq) {
            run.request
                    .replyTo()
                    .tell(new Failed(
                            run.request.address(),
                            "no answer from the probe of " + run.request.address() + " within "
                                    + PING_TIMEOUT.toMillis() + " ms after " + run.done + " round trips"));
            run = null;
            startNext();
        }
        return Behaviors.same();
    }

    private void startNext() {
        while (run == null && !waiting.isEmpty()) {
            Measure next = waiting.poll();
            Optional<ActorRef<Command>> peer = probes.stream()
                    .filter(p -> p.path().address().toString().equals(next.address()))
                    .findFirst();
            if (peer.isEmpty()) {
                next.replyTo()
                        .tell(new Failed(
                                next.address(),
                                "no probe is registered at " + next.address() + " (known: "
                                        + Arrays.toString(probes.stream()
                                                .map(p -> p.path().address().toString())
                                                .sorted()
                                                .toArray())
                                        + ")"));
                continue;
            }
            run = new Run(next, peer.get());
            sendPing();
        }
    }

    private void sendPing() {
        run.seq = nextSeq++;
        timers.startSingleTimer("ping", new PingTimedOut(run.seq), PING_TIMEOUT);
        run.sentAt = System.nanoTime();
        run.peer.tell(new Ping(run.seq, self));
    }
}
