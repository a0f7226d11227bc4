package io.membrane.cluster;

import io.membrane.actors.prefilter.Prefilter;
import io.membrane.actors.prefilter.PrefilterException;
import io.membrane.actors.prefilter.Scope;
import io.membrane.maps.net.Cidr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.ORSet;
import org.apache.pekko.cluster.ddata.ORSetKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge between the cluster-scoped deny list in Distributed Data and this node's Prefilter. The list is an
 * ORSet of canonical CIDR text split over a fixed set of {@value #SHARDS} keys (a key's value must fit one
 * Artery frame, and a fixed set of keys leaves no tombstones behind). Writes use WriteMajority: a change that a
 * majority has is not lost when a node dies, and a majority of three is still there when one node is down;
 * failing to reach it is reported as an error, never as success. Every change the replicator reports — this
 * node's or another's — ends in one Reconcile of the cluster scope sent to the Prefilter, the only writer of
 * the maps; the replicator's callbacks only record the new value. The keys are durable (LMDB under the run dir,
 * see reference.conf): after a restart of every node at once each reads the list back from disk, not an empty one.
 */
public final class PrefilterReplication {
    private static final Logger LOG = LoggerFactory.getLogger(PrefilterReplication.class);
    static final int SHARDS = 64;
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(3);
    /** Changes arriving together (a batch touches many shards) are reconciled once. */
    static final Duration COALESCE = Duration.ofMillis(5);

    public sealed interface Command permits Change, ShardChanged, ShardRead, ShardWritten, Reconciled, ReconcileNow,
            RevisionChecked, ReadShard {}

    /** A cluster-scoped PATCH (add) or DELETE from the API. */
    public record Change(List<Cidr> cidrs, boolean add, OptionalLong revision, ActorRef<Prefilter.Result> replyTo)
            implements Command {}

    record ShardChanged(int shard, Set<String> value) implements Command {}

    /** The answer to the start-up read of one shard; empty {@code value} with {@code ok} false = failed. */
    record ShardRead(int shard, boolean ok, Set<String> value) implements Command {}

    record ReadShard(int shard) implements Command {}

    record ShardWritten(long request, int shard, boolean ok, String detail) implements Command {}

    /** {@code changed}: how many CIDRs the request itself changed in the replicated list (-1: no request). */
    record Reconciled(Prefilter.Result result, ActorRef<Prefilter.Result> replyTo, int changed) implements Command {}

    record ReconcileNow() implements Command {}

    record RevisionChecked(Change change, long current) implements Command {}

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ReplicatorMessageAdapter<Command, ORSet<String>> replicator;
    private final SelfUniqueAddress self;
    private final ActorRef<Prefilter.Command> prefilter;
    private final Map<Integer, Set<String>> shards = new HashMap<>();
    /**
     * Shards whose current value this node has heard (a start-up read or a change). Until it has heard every
     * shard it does not reconcile: a partial view would remove cluster entries of the shards not heard yet
     * from the maps, a gap in enforcement after every restart.
     */
    private final Set<Integer> heard = new HashSet<>();
    private final Map<Long, Pending> pending = new HashMap<>();
    private long nextRequest = 1;

    /** A change waiting for its shard writes. */
    private static final class Pending {
        final Change change;
        final int changes;
        int outstanding;
        final List<String> failures = new ArrayList<>();

        Pending(Change change, int changes, int outstanding) {
            this.change = change;
            this.changes = changes;
            this.outstanding = outstanding;
        }
    }

    private PrefilterReplication(ActorContext<Command> ctx, TimerScheduler<Command> timers,
                                 ReplicatorMessageAdapter<Command, ORSet<String>> replicator,
                                 ActorRef<Prefilter.Command> prefilter) {
        this.ctx = ctx;
        this.timers = timers;
        this.replicator = replicator;
        this.prefilter = prefilter;
        this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
    }

    public static Behavior<Command> create(ActorRef<Prefilter.Command> prefilter) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                DistributedData.withReplicatorMessageAdapter((ReplicatorMessageAdapter<Command, ORSet<String>> r) -> {
                    PrefilterReplication bridge = new PrefilterReplication(ctx, timers, r, prefilter);
                    for (int s = 0; s < SHARDS; s++) {
                        ctx.getSelf().tell(new ReadShard(s));
                    }
                    // One adapter serves every key (typed message adapters are per message class): the shard
                    // comes from the key the notification names.
                    for (int s = 0; s < SHARDS; s++) {
                        r.subscribe(key(s), rsp -> rsp instanceof Replicator.Changed<ORSet<String>> c
                                ? new ShardChanged(shardOfKey(c.key()), c.get(c.key()).getElements())
                                : new ShardChanged(shardOfKey(rsp.key()), Set.of()));
                    }
                    return bridge.behavior();
                })));
    }

    static Key<ORSet<String>> key(int shard) {
        return ORSetKey.create(String.format("prefilter-%02d", shard));
    }

    static int shardOfKey(Key<ORSet<String>> key) {
        return Integer.parseInt(key.id().substring("prefilter-".length()));
    }

    static int shardOf(String cidr) {
        return Math.floorMod(cidr.hashCode(), SHARDS);
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class)
                .onMessage(ShardChanged.class, c -> {
                    LOG.debug("shard {} changed: {} entries", c.shard(), c.value().size());
                    shards.put(c.shard(), Set.copyOf(c.value()));
                    heard.add(c.shard());
                    timers.startSingleTimer("reconcile", new ReconcileNow(), COALESCE);
                    return Behaviors.same();
                })
                .onMessage(ReadShard.class, r -> {
                    // A majority read: a node that restarts learns what the cluster holds, not only its own replica
                    // (read back from disk, but it may have missed changes while the node was down).
                    replicator.askGet(replyTo -> new Replicator.Get<>(key(r.shard()),
                                    new Replicator.ReadMajority(WRITE_TIMEOUT), replyTo),
                            rsp -> rsp instanceof Replicator.GetSuccess<ORSet<String>> g
                                    ? new ShardRead(r.shard(), true, g.get(key(r.shard())).getElements())
                                    : new ShardRead(r.shard(), rsp instanceof Replicator.NotFound, Set.of()));
                    return Behaviors.same();
                })
                .onMessage(ShardRead.class, r -> {
                    if (!r.ok()) {
                        timers.startSingleTimer("read-" + r.shard(), new ReadShard(r.shard()), Duration.ofSeconds(1));
                        return Behaviors.same();
                    }
                    if (heard.add(r.shard())) {
                        shards.put(r.shard(), Set.copyOf(r.value()));
                    }
                    timers.startSingleTimer("reconcile", new ReconcileNow(), COALESCE);
                    return Behaviors.same();
                })
                .onMessage(ReconcileNow.class, r -> {
                    reconcile(null, -1);
                    return Behaviors.same();
                })
                .onMessage(Change.class, this::onChange)
                .onMessage(RevisionChecked.class, r -> {
                    if (r.change().revision().getAsLong() != r.current()) {
                        r.change().replyTo().tell(new Prefilter.Rejected(PrefilterException.Reason.STALE_REVISION,
                                String.valueOf(r.change().revision().getAsLong()), "revision "
                                + r.change().revision().getAsLong() + " is stale: the current revision is " + r.current()));
                        return Behaviors.same();
                    }
                    return write(r.change());
                })
                .onMessage(ShardWritten.class, this::onWritten)
                .onMessage(Reconciled.class, r -> {
                    LOG.debug("reconciled: {}", r.result());
                    if (r.replyTo() != null) {
                        // The reconcile may also carry other nodes' changes: report what this request changed.
                        r.replyTo().tell(r.result() instanceof Prefilter.Applied a
                                ? new Prefilter.Applied(a.revision(), r.changed()) : r.result());
                    } else if (r.result() instanceof Prefilter.Rejected rej) {
                        // The replicated list does not fit this node (a full map, a disabled family): keep serving,
                        // say so, and try again at the next change.
                        LOG.warn("cluster deny list not mirrored on this node: {}", rej.message());
                    }
                    return Behaviors.same();
                })
                .build();
    }

    private Behavior<Command> onChange(Change change) {
        if (heard.size() < SHARDS) {
            change.replyTo().tell(new Prefilter.Rejected(PrefilterException.Reason.NOT_CONFIRMED,
                    change.cidrs().get(0).toString(), "this node is still reading the cluster's deny list ("
                    + heard.size() + " of " + SHARDS + " parts); try again in a moment"));
            return Behaviors.same();
        }
        Set<String> current = union();
        for (Cidr c : change.cidrs()) {
            if (!change.add() && !current.contains(c.toString())) {
                change.replyTo().tell(new Prefilter.Rejected(PrefilterException.Reason.NOT_FOUND, c.toString(),
                        c + ": not in the cluster-scoped deny list"));
                return Behaviors.same();
            }
        }
        if (new HashSet<>(change.cidrs()).size() != change.cidrs().size()) {
            Cidr dup = change.cidrs().stream().filter(c -> change.cidrs().indexOf(c) != change.cidrs().lastIndexOf(c))
                    .findFirst().orElseThrow();
            change.replyTo().tell(new Prefilter.Rejected(PrefilterException.Reason.DUPLICATE, dup.toString(),
                    dup + ": listed more than once"));
            return Behaviors.same();
        }
        if (change.revision().isPresent()) {
            ctx.ask(Prefilter.Snapshot.class, prefilter, Duration.ofSeconds(5), Prefilter.Get::new,
                    (s, t) -> new RevisionChecked(change, s == null ? -1 : s.revision()));
            return Behaviors.same();
        }
        return write(change);
    }

    private Behavior<Command> write(Change change) {
        Map<Integer, List<String>> byShard = new HashMap<>();
        for (Cidr c : change.cidrs()) {
            byShard.computeIfAbsent(shardOf(c.toString()), k -> new ArrayList<>()).add(c.toString());
        }
        long request = nextRequest++;
        Set<String> before = union();
        int changes = change.add()
                ? (int) change.cidrs().stream().filter(c -> !before.contains(c.toString())).count()
                : change.cidrs().size();
        pending.put(request, new Pending(change, changes, byShard.size()));
        byShard.forEach((shard, cidrs) -> replicator.askUpdate(
                replyTo -> new Replicator.Update<>(key(shard), ORSet.empty(), new Replicator.WriteMajority(WRITE_TIMEOUT),
                        replyTo, set -> {
                            ORSet<String> s = set;
                            for (String c : cidrs) {
                                s = change.add() ? s.add(self, c) : s.remove(self, c);
                            }
                            return s;
                        }),
                rsp -> new ShardWritten(request, shard, rsp instanceof Replicator.UpdateSuccess, rsp.getClass().getSimpleName())));
        return Behaviors.same();
    }

    private Behavior<Command> onWritten(ShardWritten w) {
        Pending p = pending.get(w.request());
        if (p == null) {
            return Behaviors.same();
        }
        if (!w.ok()) {
            p.failures.add("shard " + w.shard() + ": " + w.detail());
        }
        if (--p.outstanding > 0) {
            return Behaviors.same();
        }
        pending.remove(w.request());
        if (!p.failures.isEmpty()) {
            p.change.replyTo().tell(new Prefilter.Rejected(PrefilterException.Reason.NOT_CONFIRMED,
                    p.change.cidrs().get(0).toString(), "the change was not confirmed by a majority of the cluster within "
                    + WRITE_TIMEOUT.toSeconds() + " s (" + String.join(", ", p.failures)
                    + "); it may still reach every node"));
            return Behaviors.same();
        }
        // Confirmed by a majority: mirror it here now, not at the next notification, so the reply means enforced.
        for (Cidr c : p.change.cidrs()) {
            Set<String> shard = new HashSet<>(shards.getOrDefault(shardOf(c.toString()), Set.of()));
            if (p.change.add()) {
                shard.add(c.toString());
            } else {
                shard.remove(c.toString());
            }
            shards.put(shardOf(c.toString()), Set.copyOf(shard));
        }
        reconcile(p.change.replyTo(), p.changes);
        return Behaviors.same();
    }

    private void reconcile(ActorRef<Prefilter.Result> replyTo, int changed) {
        if (heard.size() < SHARDS) {
            return; // not every shard heard yet: keep what the maps hold (see `heard`)
        }
        Set<Cidr> desired = new HashSet<>();
        for (String c : union()) {
            try {
                desired.add(Cidr.parse(c));
            } catch (IllegalArgumentException e) {
                LOG.warn("ignoring an unparsable cluster deny entry '{}': {}", c, e.getMessage());
            }
        }
        ctx.ask(Prefilter.Result.class, prefilter, Duration.ofSeconds(30),
                r -> new Prefilter.Reconcile(Scope.CLUSTER, desired, r),
                (result, failure) -> new Reconciled(result != null ? result : new Prefilter.Rejected(
                        PrefilterException.Reason.KERNEL, "", "prefilter did not answer: " + failure), replyTo,
                        changed));
    }

    private Set<String> union() {
        Set<String> all = new HashSet<>();
        shards.values().forEach(all::addAll);
        return all;
    }
}
