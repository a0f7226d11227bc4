package io.membrane.cluster.ddata;

import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Tells its parent, once, that this node is Up and that its replicator counts every Up member, then stops. Before
 * that a majority read is a majority of what the replicator knows — on a node that is joining, often itself alone,
 * so it answers at once with what the node has (nothing, on a fresh one) and the caller is left to gossip. Spawn it
 * where a start-up read should wait; it polls every {@link Replication#READY_POLL}.
 */
public final class ReplicasKnown {
    private ReplicasKnown() {}

    /** The poll's own messages; nothing outside sends it any. */
    public sealed interface Command permits Check, Counted {}

    private record Check() implements Command {}

    private record Counted(int replicas) implements Command {}

    /** A replica count that does not come in this long is asked again at the next poll. */
    private static final Duration COUNT_TIMEOUT = Duration.ofSeconds(3);

    /** Sends {@code ready} to {@code parent} once this node is Up and its replicator knows every Up member. */
    public static <T> Behavior<Command> create(ActorRef<T> parent, T ready) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(new Check(), Replication.READY_POLL);
            ctx.getSelf().tell(new Check());
            return new Poll<>(ctx, parent, ready).idle();
        }));
    }

    private record Poll<T>(ActorContext<Command> ctx, ActorRef<T> parent, T ready) {
        /** Between polls: an Up node asks its replicator how many replicas it counts. */
        Behavior<Command> idle() {
            return Behaviors.receive(Command.class)
                    .onMessage(Check.class, c -> onCheck())
                    .onMessage(Counted.class, c -> Behaviors.same())
                    .build();
        }

        /** A count asked for: the polls in between wait for it. */
        Behavior<Command> counting() {
            return Behaviors.receive(Command.class)
                    .onMessage(Check.class, c -> Behaviors.same())
                    .onMessage(Counted.class, this::onCounted)
                    .build();
        }

        private Behavior<Command> onCheck() {
            if (Cluster.get(ctx.getSystem()).selfMember().status() != MemberStatus.up()) {
                return Behaviors.same();
            }
            ctx.ask(
                    Replicator.ReplicaCount.class,
                    DistributedData.get(ctx.getSystem()).replicator(),
                    COUNT_TIMEOUT,
                    Replicator.GetReplicaCount::new,
                    (count, failure) -> new Counted(count == null ? -1 : count.n()));
            return counting();
        }

        private Behavior<Command> onCounted(Counted counted) {
            if (counted.replicas() < Replication.upMembers(Cluster.get(ctx.getSystem()))) {
                return idle(); // the replicator has not processed every MemberUp yet
            }
            parent.tell(ready);
            return Behaviors.stopped();
        }
    }
}
