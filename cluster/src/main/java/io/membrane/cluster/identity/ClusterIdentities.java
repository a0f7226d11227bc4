package io.membrane.cluster.identity;

import io.membrane.actors.identity.Identity;
import io.membrane.actors.identity.IdentityAllocator;
import io.membrane.actors.identity.IdentityMetrics;
import io.membrane.actors.identity.IdentityUnavailableException;
import io.membrane.actors.identity.LabelSet;
import io.membrane.actors.identity.ReservedIdentity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * The {@link IdentityAllocator} of a clustered node. Lookups ({@link #byId}, {@link #byLabels}, {@link #all}) answer
 * from this node's copy of the replicated table, kept by {@link NodeIdentities} from Distributed Data, with no round
 * trip; {@link #acquire} and {@link #release} go to that actor, which asks the {@link IdentityDecider} singleton
 * when it must. Thread-safe: the copy is concurrent maps written by the actor alone.
 */
public final class ClusterIdentities implements IdentityAllocator {
    /** The singleton's name (one per cluster). */
    static final String DECIDER = "identity-decider";

    private final ActorSystem<?> system;
    private final IdentityMetrics metrics = new IdentityMetrics();
    private final Map<Integer, LabelSet> table = new ConcurrentHashMap<>();
    private final Map<LabelSet, Integer> index = new ConcurrentHashMap<>();
    private final Map<Integer, Map<String, IdentityUses>> uses = new ConcurrentHashMap<>();
    private volatile ActorRef<NodeIdentities.Command> node;

    private ClusterIdentities(ActorSystem<?> system) {
        this.system = system;
    }

    /**
     * Starts this node's part: the decider singleton (on whichever member is the oldest) and the node actor, a
     * child of {@code ctx} restarted with back-off.
     */
    public static ClusterIdentities start(ActorContext<?> ctx, String nodeName, IdentitySettings settings) {
        ClusterIdentities identities = new ClusterIdentities(ctx.getSystem());
        ActorRef<IdentityDecider.Command> decider = ClusterSingleton.get(ctx.getSystem())
                .init(SingletonActor.of(
                        Behaviors.supervise(IdentityDecider.create(settings))
                                .onFailure(SupervisorStrategy.restartWithBackoff(
                                        Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)),
                        DECIDER));
        identities.node = ctx.spawn(
                Behaviors.supervise(NodeIdentities.create(decider, identities, settings, nodeName))
                        .onFailure(SupervisorStrategy.restartWithBackoff(
                                Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)),
                "identities");
        return identities;
    }

    /** The counters and histogram of this allocator, for the agent's /metrics. */
    public IdentityMetrics metrics() {
        return metrics;
    }

    @Override
    public CompletionStage<Identity> acquire(LabelSet labels, String holder) {
        Optional<ReservedIdentity> reserved = ReservedIdentity.byLabels(labels);
        if (reserved.isPresent()) {
            metrics.answered(IdentityMetrics.Outcome.RESERVED, 0);
            return CompletableFuture.completedFuture(reserved.get().identity());
        }
        long started = System.nanoTime();
        CompletableFuture<Identity> result = new CompletableFuture<>();
        node.tell(new NodeIdentities.Acquire(labels, holder, result));
        return result.whenComplete((identity, failure) -> metrics.answered(
                failure == null
                        ? IdentityMetrics.Outcome.ALLOCATED
                        : failure instanceof IdentityUnavailableException
                                ? IdentityMetrics.Outcome.UNAVAILABLE
                                : IdentityMetrics.Outcome.FAILED,
                System.nanoTime() - started));
    }

    @Override
    public CompletionStage<Identity> hold(int id, LabelSet labels, String holder) {
        if (!labels.equals(table.get(id))) {
            return acquire(labels, holder);
        }
        CompletableFuture<Identity> result = new CompletableFuture<>();
        node.tell(new NodeIdentities.Hold(new Identity(id, labels), holder, result));
        return result;
    }

    @Override
    public void release(int id, String holder) {
        if (ReservedIdentity.byId(id).isEmpty()) {
            node.tell(new NodeIdentities.Release(id, holder));
        }
    }

    @Override
    public Optional<Identity> byId(int id) {
        Optional<ReservedIdentity> reserved = ReservedIdentity.byId(id);
        if (reserved.isPresent()) {
            return Optional.of(reserved.get().identity());
        }
        LabelSet labels = table.get(id);
        return labels == null ? Optional.empty() : Optional.of(new Identity(id, labels));
    }

    @Override
    public Optional<Identity> byLabels(LabelSet labels) {
        Optional<ReservedIdentity> reserved = ReservedIdentity.byLabels(labels);
        if (reserved.isPresent()) {
            return Optional.of(reserved.get().identity());
        }
        Integer id = index.get(labels);
        return id == null ? Optional.empty() : Optional.of(new Identity(id, labels));
    }

    @Override
    public List<IdentityUse> all() {
        Map<Integer, Set<String>> using = usingByNumber();
        List<IdentityUse> out = new ArrayList<>();
        for (ReservedIdentity r : ReservedIdentity.values()) {
            out.add(new IdentityUse(r.identity(), List.of()));
        }
        new TreeMap<>(table)
                .forEach((id, labels) -> out.add(
                        new IdentityUse(new Identity(id, labels), List.copyOf(using.getOrDefault(id, Set.of())))));
        return out;
    }

    /** How many cluster identities this node's copy of the table holds. */
    public int size() {
        return table.size();
    }

    /** The node names publishing a use of each number, counting current members only. */
    private Map<Integer, Set<String>> usingByNumber() {
        Set<String> members = new HashSet<>();
        for (Member m : Cluster.get(system).state().getMembers()) {
            members.add(IdentityKeys.node(m.uniqueAddress()));
        }
        Map<Integer, Set<String>> using = new TreeMap<>();
        uses.values()
                .forEach(shard -> shard.forEach((node, u) -> {
                    if (members.contains(node)) {
                        for (int i = 0; i < u.size(); i++) {
                            using.computeIfAbsent(u.id(i), x -> new TreeSet<>()).add(u.node());
                        }
                    }
                }));
        return using;
    }

    // --- written by NodeIdentities alone ---

    /** A number the decider just gave this node, before the table's notification brings it. */
    void learned(Identity identity) {
        table.put(identity.id(), identity.labels());
        index.put(identity.labels(), identity.id());
    }

    void replaceShard(Map<Integer, LabelSet> before, Map<Integer, LabelSet> after) {
        before.forEach((id, labels) -> {
            if (!labels.equals(after.get(id))) {
                table.remove(id, labels);
                index.remove(labels, id);
            }
        });
        after.forEach((id, labels) -> {
            table.put(id, labels);
            index.put(labels, id);
        });
    }

    void replaceUses(int shard, Map<String, IdentityUses> entries) {
        uses.put(shard, Map.copyOf(entries));
    }
}
