package io.membrane.cluster;

import io.membrane.actors.prefilter.ChangeRules;
import io.membrane.actors.prefilter.Prefilter;
import io.membrane.actors.prefilter.PrefilterException;
import io.membrane.actors.prefilter.Scope;
import io.membrane.cluster.ddata.CidrSet;
import io.membrane.cluster.ddata.CidrSetKey;
import io.membrane.cluster.ddata.CidrShards;
import io.membrane.cluster.ddata.ReplicasKnown;
import io.membrane.cluster.ddata.Replication;
import io.membrane.maps.net.Cidr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge between the cluster-scoped deny list in Distributed Data and this node's Prefilter. The list is a
 * {@link CidrSet} (an observed-remove set with a compact wire form) split over a fixed set of {@value #SHARDS}
 * keys: a fixed set leaves no tombstones behind, and many small keys keep each write small, since a write carries
 * a key's whole value (deltas are off, see reference.conf). The keys are durable (LMDB, see reference.conf): after
 * a restart of every node at once each reads the list back from disk, not an empty one.
 *
 * <p>Writes go to every node at once (WriteAll) while every member is reachable: WriteMajority sends a write only
 * to a majority and leaves the others to gossip, too slow for a deny list that should be everywhere at once. What a
 * reply promises is a majority: when a member is unreachable, or WriteAll is not acknowledged in time
 * ({@link #writeAllTimeout}), the shard's whole state is written again with WriteMajority; a change a majority has
 * is not lost when a node dies, and a majority of three is still there when one node is down. Failing to reach it
 * is an error, never success. A change is checked by {@link ChangeRules}, as a node-scoped one is.
 *
 * <p>Every change the replicator reports — this node's or another's — ends in a request to the Prefilter, the
 * only writer of the maps: the first a Reconcile of the whole cluster scope, later an Adjust of what changed in
 * the keys that changed ({@link ReplicatedDenyList}). The replicator's callbacks only record the new value.
 *
 * <p>Phases: <b>awaiting-up</b> until this node is Up and its replicator knows every Up member ({@link
 * ReplicasKnown}; before that a "majority" would be its own replica); <b>reading</b> reads every key with ReadMajority, mirroring adds as they
 * come but removing nothing, so a restarted node never drops cluster entries it has not heard of yet;
 * <b>serving</b> reconciles once every key is read, then takes changes. Changes that arrive before serving wait
 * up to {@link #READ_WAIT}, then are refused as not confirmed. Deadlines and their figures:
 * docs/decisions/0003-replication-deadlines.md.
 */
public final class PrefilterReplication {
    private static final Logger LOG = LoggerFactory.getLogger(PrefilterReplication.class);
    static final int SHARDS = 256;
    /** Keys are {@code deny-000} .. {@code deny-255} (durable: reference.conf lists {@code deny-*}). */
    static final String KEY_PREFIX = "deny-";

    static final Duration WRITE_TIMEOUT = Replication.WRITE_TIMEOUT;
    /**
     * What each CIDR of the whole list adds to a write's or read's deadline. A write carries whole keys, and the
     * replicator serializes a changed key's value for each node and once more for its digest, so a batch that
     * touches every key costs in proportion to the whole list. It errs long: a deadline too long only delays a
     * "not confirmed" answer, one too short reports a slow success as a failure. Figures:
     * docs/decisions/0003-replication-deadlines.md.
     */
    static final Duration PER_LISTED_CIDR = Duration.ofNanos(60_000);

    static final Duration WRITE_ALL_TIMEOUT = Replication.WRITE_ALL_TIMEOUT;
    static final Duration READ_TIMEOUT = Replication.READ_TIMEOUT;
    static final Duration READ_RETRY = Replication.READ_RETRY;
    /** Changes of at least this many CIDRs say in the log how long their confirmation took. */
    static final int LOG_BATCH = 1000;
    /**
     * How long a change that arrives before this node has read the cluster's list waits for that read (a node
     * just started is usually a second or two from it) before it is refused with a 503.
     */
    static final Duration READ_WAIT = Duration.ofSeconds(5);
    /** How often the changes waiting for the read are checked against {@link #READ_WAIT}. */
    static final Duration EXPIRE_POLL = Duration.ofMillis(200);

    /** How long the Prefilter may take over one request (a Reconcile of a whole list included). */
    static final Duration PREFILTER_TIMEOUT = Duration.ofSeconds(30);

    private static final String EXPIRE_TIMER = "expire-waiting";

    public sealed interface Command permits Change, Internal {}

    /** A cluster-scoped PATCH (add) or DELETE from the API. */
    public record Change(List<Cidr> cidrs, boolean add, OptionalLong revision, ActorRef<Prefilter.Result> replyTo)
            implements Command {}

    /** What this actor sends itself, its replicator adapter and its asks answer with. */
    private sealed interface Internal extends Command
            permits MembersKnown,
                    ReadShard,
                    ShardRead,
                    ShardChanged,
                    ExpireWaiting,
                    ReconcileNow,
                    RevisionChecked,
                    ShardWritten,
                    Reconciled {}

    /** This node is Up and its replicator counts every Up member: the start-up read can begin. */
    private record MembersKnown() implements Internal {}

    private record ReadShard(int shard) implements Internal {}

    /** The answer to the start-up read of one shard; empty {@code value} with {@code ok} false = failed. */
    private record ShardRead(int shard, boolean ok, Set<Cidr> value) implements Internal {}

    private record ShardChanged(int shard, Set<Cidr> value) implements Internal {}

    /** Changes that came before the start-up read finished and have waited {@link #READ_WAIT}: refused. */
    private record ExpireWaiting() implements Internal {}

    private record ReconcileNow() implements Internal {}

    /** {@code current}: the Prefilter's revision, -1 if it did not answer. */
    private record RevisionChecked(Change change, long current) implements Internal {}

    /** {@code toAll}: the write was a WriteAll (its timeout falls back to a majority write). */
    private record ShardWritten(long request, int shard, boolean toAll, boolean ok, String detail)
            implements Internal {}

    /** {@code changed}: how many CIDRs the request itself changed in the replicated list (-1: no request). */
    private record Reconciled(Prefilter.Result result, ActorRef<Prefilter.Result> replyTo, int changed, boolean full)
            implements Internal {}

    /** Awaiting-up and reading: the changes waiting for the read, and what has been heard of each shard. */
    private static final class CatchUp {
        /** Changes waiting for the start-up read, with when each came (System.nanoTime). */
        final List<Map.Entry<Change, Long>> waiting = new ArrayList<>();
        /**
         * Shards read from a majority. Until every shard is, nothing is removed from the maps: a partial view would
         * remove cluster entries of the shards not heard yet, a gap in enforcement after every restart.
         */
        final Set<Integer> heard = new HashSet<>();
        /** Shards whose value has come in a change notification at least once (see {@link #onShardRead}). */
        final Set<Integer> notified = new HashSet<>();
        /** When the start-up read began (System.nanoTime), for the log lines that say how long catching up took. */
        long readStarted;
    }

    /** Serving: the writes under way, and whether the list has been mirrored in full yet. */
    private static final class Serving {
        final long readStarted;
        final Map<Long, PendingWrite> pending = new HashMap<>();
        long nextRequest = 1;
        boolean mirroredOnce;

        Serving(long readStarted) {
            this.readStarted = readStarted;
        }
    }

    /** A change waiting for its shard writes. */
    private static final class PendingWrite {
        final Change change;
        /** How many CIDRs the change makes differ in the list (what the reply reports as changed). */
        final int changes;

        int outstanding;
        final List<String> failures = new ArrayList<>();
        final long started = System.nanoTime();

        PendingWrite(Change change, int changes, int outstanding) {
            this.change = change;
            this.changes = changes;
            this.outstanding = outstanding;
        }
    }

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ReplicatorMessageAdapter<Command, CidrSet> replicator;
    private final UniqueAddress self;
    private final ActorRef<Prefilter.Command> prefilter;
    private final ReplicatedDenyList list = new ReplicatedDenyList();
    /** Requests to the Prefilter not answered yet; a reconcile wanted meanwhile; a ReconcileNow in the mailbox. */
    private int prefilterAsks;

    private boolean reconcileWanted;
    private boolean reconcileQueued;

    private PrefilterReplication(
            ActorContext<Command> ctx,
            TimerScheduler<Command> timers,
            ReplicatorMessageAdapter<Command, CidrSet> replicator,
            ActorRef<Prefilter.Command> prefilter) {
        this.ctx = ctx;
        this.timers = timers;
        this.replicator = replicator;
        this.prefilter = prefilter;
        this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress().uniqueAddress();
    }

    public static Behavior<Command> create(ActorRef<Prefilter.Command> prefilter) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
                DistributedData.withReplicatorMessageAdapter((ReplicatorMessageAdapter<Command, CidrSet> r) -> {
                    ctx.spawnAnonymous(ReplicasKnown.create(ctx.getSelf(), new MembersKnown()));
                    // One adapter serves every key (typed message adapters are per message class): the shard
                    // comes from the key the notification names.
                    for (int s = 0; s < SHARDS; s++) {
                        r.subscribe(
                                key(s),
                                rsp -> rsp instanceof Replicator.Changed<CidrSet> c
                                        ? new ShardChanged(
                                                shardOfKey(c.key()),
                                                c.get(c.key()).elements())
                                        : new ShardChanged(shardOfKey(rsp.key()), Set.of()));
                    }
                    return new PrefilterReplication(ctx, timers, r, prefilter).awaitingUp(new CatchUp());
                })));
    }

    private static final List<Key<CidrSet>> KEYS = IntStream.range(0, SHARDS)
            .<Key<CidrSet>>mapToObj(s -> new CidrSetKey(String.format("%s%03d", KEY_PREFIX, s)))
            .toList();

    static Key<CidrSet> key(int shard) {
        return KEYS.get(shard);
    }

    static int shardOfKey(Key<CidrSet> key) {
        return Integer.parseInt(key.id().substring(KEY_PREFIX.length()));
    }

    /** The key a CIDR lives in ({@link CidrShards}: the same on every node). */
    static int shardOf(Cidr cidr) {
        return CidrShards.of(cidr, SHARDS);
    }

    // --- phases ---

    private Behavior<Command> awaitingUp(CatchUp catchUp) {
        return Behaviors.receive(Command.class)
                .onMessage(MembersKnown.class, k -> onMembersKnown(catchUp))
                .onMessage(ShardChanged.class, c -> onEarlyShardChanged(catchUp, c))
                .onMessage(Change.class, c -> onEarlyChange(catchUp, c))
                .onMessage(ExpireWaiting.class, x -> onExpireWaiting(catchUp))
                // Nothing is mirrored before the read begins; the read asks again for what came meanwhile.
                .onMessage(ReconcileNow.class, r -> {
                    reconcileQueued = false;
                    return Behaviors.same();
                })
                .build();
    }

    private Behavior<Command> reading(CatchUp catchUp) {
        return Behaviors.receive(Command.class)
                .onMessage(ReadShard.class, this::onReadShard)
                .onMessage(ShardRead.class, r -> onShardRead(catchUp, r))
                .onMessage(ShardChanged.class, c -> onEarlyShardChanged(catchUp, c))
                .onMessage(ReconcileNow.class, r -> {
                    reconcileQueued = false;
                    return onMirrorEarly(catchUp);
                })
                .onMessage(Reconciled.class, this::onReconciled)
                .onMessage(Change.class, c -> onEarlyChange(catchUp, c))
                .onMessage(ExpireWaiting.class, x -> onExpireWaiting(catchUp))
                .build();
    }

    private Behavior<Command> serving(Serving serving) {
        return Behaviors.receive(Command.class)
                .onMessage(Change.class, c -> onChange(serving, c))
                .onMessage(RevisionChecked.class, r -> onRevisionChecked(serving, r))
                .onMessage(ShardWritten.class, w -> onWritten(serving, w))
                .onMessage(ShardChanged.class, this::onShardChanged)
                .onMessage(ReconcileNow.class, r -> {
                    reconcileQueued = false;
                    return onReconcileNow();
                })
                .onMessage(Reconciled.class, r -> onServingReconciled(serving, r))
                .build();
    }

    // --- awaiting-up ---

    private Behavior<Command> onMembersKnown(CatchUp catchUp) {
        int up = upMembers();
        LOG.info("up in a cluster of {}: reading the cluster deny list ({} keys) from a majority", up, SHARDS);
        catchUp.readStarted = System.nanoTime();
        for (int s = 0; s < SHARDS; s++) {
            ctx.getSelf().tell(new ReadShard(s));
        }
        return reading(catchUp);
    }

    // --- awaiting-up and reading ---

    private Behavior<Command> onEarlyShardChanged(CatchUp catchUp, ShardChanged changed) {
        // The newest value always wins, but only the start-up read makes a shard "heard": a change seen before
        // it may be this node's own stale replica.
        catchUp.notified.add(changed.shard());
        return onShardChanged(changed);
    }

    private Behavior<Command> onEarlyChange(CatchUp catchUp, Change change) {
        catchUp.waiting.add(Map.entry(change, System.nanoTime()));
        if (!timers.isTimerActive(EXPIRE_TIMER)) {
            timers.startTimerWithFixedDelay(EXPIRE_TIMER, new ExpireWaiting(), EXPIRE_POLL);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onExpireWaiting(CatchUp catchUp) {
        long now = System.nanoTime();
        catchUp.waiting.removeIf(w -> {
            if (now - w.getValue() < READ_WAIT.toNanos()) {
                return false;
            }
            Change change = w.getKey();
            change.replyTo()
                    .tell(new Prefilter.Rejected(
                            PrefilterException.Reason.NOT_CONFIRMED,
                            firstOf(change),
                            "this node has not read the cluster's deny list yet (" + catchUp.heard.size() + " of "
                                    + SHARDS
                                    + " parts after " + READ_WAIT.toSeconds()
                                    + " s; is it up in a cluster with a reachable "
                                    + "majority?); try again in a moment"));
            return true;
        });
        if (catchUp.waiting.isEmpty()) {
            timers.cancel(EXPIRE_TIMER);
        }
        return Behaviors.same();
    }

    // --- reading ---

    private Behavior<Command> onReadShard(ReadShard read) {
        // A majority read: a node that restarts learns what the cluster holds, not only its own replica (read
        // back from disk, but it may have missed changes while the node was down).
        int shard = read.shard();
        replicator.askGet(
                replyTo -> new Replicator.Get<>(key(shard), new Replicator.ReadMajority(READ_TIMEOUT), replyTo),
                rsp -> rsp instanceof Replicator.GetSuccess<CidrSet> g
                        ? new ShardRead(shard, true, g.get(key(shard)).elements())
                        : new ShardRead(shard, rsp instanceof Replicator.NotFound, Set.of()));
        return Behaviors.same();
    }

    private Behavior<Command> onShardRead(CatchUp catchUp, ShardRead read) {
        if (!read.ok()) {
            timers.startSingleTimer("read-" + read.shard(), new ReadShard(read.shard()), READ_RETRY);
            return Behaviors.same();
        }
        catchUp.heard.add(read.shard());
        // A read's answer may be older than a change notification that came before it (a write that reached the
        // replica while the read was under way): the notifications are the replica's own order, so once one came
        // the read only says "heard". A read that brought news is followed by a notification of its own (the read
        // repairs the replica).
        if (catchUp.notified.contains(read.shard())) {
            list.touch(read.shard());
        } else {
            list.record(read.shard(), read.value());
        }
        reconcileSoon();
        if (catchUp.heard.size() < SHARDS) {
            return Behaviors.same();
        }
        LOG.info(
                "read the cluster deny list: {} entries in {} ms",
                list.union().size(),
                (System.nanoTime() - catchUp.readStarted) / 1_000_000);
        timers.cancel(EXPIRE_TIMER);
        catchUp.waiting.forEach(w -> ctx.getSelf().tell(w.getKey()));
        return serving(new Serving(catchUp.readStarted));
    }

    /** Mirrors the adds read so far (see {@link ReplicatedDenyList#earlyAdds}). */
    private Behavior<Command> onMirrorEarly(CatchUp catchUp) {
        Set<Cidr> add = list.earlyAdds(catchUp.heard);
        if (!add.isEmpty()) {
            askPrefilter(r -> new Prefilter.Adjust(Scope.CLUSTER, add, Set.of(), r), null, -1, false);
        }
        return Behaviors.same();
    }

    // --- serving ---

    private Behavior<Command> onChange(Serving serving, Change change) {
        if (change.revision().isPresent()) {
            ctx.ask(
                    Prefilter.Snapshot.class,
                    prefilter,
                    Duration.ofSeconds(5),
                    Prefilter.Get::new,
                    (s, t) -> new RevisionChecked(change, s == null ? -1 : s.revision()));
            return Behaviors.same();
        }
        return checkAndWrite(serving, change, Optional.empty());
    }

    private Behavior<Command> onRevisionChecked(Serving serving, RevisionChecked checked) {
        return checkAndWrite(
                serving,
                checked.change(),
                ChangeRules.checkRevision(checked.change().revision(), checked.current()));
    }

    private Behavior<Command> checkAndWrite(Serving serving, Change change, Optional<Prefilter.Rejected> stale) {
        Optional<Prefilter.Rejected> refused =
                stale.or(() -> ChangeRules.checkList(change.cidrs(), change.add(), Scope.CLUSTER, list::contains));
        if (refused.isPresent()) {
            change.replyTo().tell(refused.get());
            return Behaviors.same();
        }
        Map<Integer, List<Cidr>> byShard = new HashMap<>();
        for (Cidr c : change.cidrs()) {
            byShard.computeIfAbsent(shardOf(c), k -> new ArrayList<>()).add(c);
        }
        long request = serving.nextRequest++;
        int changes = change.add()
                ? (int) change.cidrs().stream().filter(c -> !list.contains(c)).count()
                : change.cidrs().size();
        serving.pending.put(request, new PendingWrite(change, changes, byShard.size()));
        boolean toAll = allReachable();
        long listed = list.listed() + (change.add() ? changes : 0);
        Replicator.WriteConsistency consistency = toAll
                ? new Replicator.WriteAll(writeAllTimeout(listed))
                : new Replicator.WriteMajority(majorityTimeout(listed));
        byShard.forEach((shard, cidrs) -> replicator.askUpdate(
                replyTo -> new Replicator.Update<>(
                        key(shard),
                        CidrSet.empty(),
                        consistency,
                        replyTo,
                        set -> change.add() ? set.addAll(self, cidrs) : set.removeAll(cidrs)),
                rsp -> new ShardWritten(
                        request,
                        shard,
                        toAll,
                        rsp instanceof Replicator.UpdateSuccess,
                        rsp.getClass().getSimpleName())));
        return Behaviors.same();
    }

    private Behavior<Command> onWritten(Serving serving, ShardWritten written) {
        PendingWrite p = serving.pending.get(written.request());
        if (p == null) {
            return Behaviors.same();
        }
        if (!written.ok() && written.toAll() && written.detail().equals("UpdateTimeout")) {
            LOG.debug(
                    "shard {}: not every node acknowledged within {} ms; confirming with a majority",
                    written.shard(),
                    writeAllTimeout(list.listed()).toMillis());
            confirmWithMajority(written.request(), written.shard());
            return Behaviors.same();
        }
        if (!written.ok()) {
            p.failures.add("shard " + written.shard() + ": " + written.detail());
        }
        if (--p.outstanding > 0) {
            return Behaviors.same();
        }
        serving.pending.remove(written.request());
        if (!p.failures.isEmpty()) {
            p.change
                    .replyTo()
                    .tell(new Prefilter.Rejected(
                            PrefilterException.Reason.NOT_CONFIRMED,
                            firstOf(p.change),
                            "the change was not confirmed by a majority of the cluster within "
                                    + majorityTimeout(list.listed()).toSeconds() + " s ("
                                    + String.join(", ", p.failures)
                                    + "); it may still reach every node"));
            return Behaviors.same();
        }
        // Confirmed by a majority: mirror it here now, not at the next notification, so the reply means enforced.
        list.apply(p.change.cidrs(), p.change.add());
        if (p.change.cidrs().size() >= LOG_BATCH) {
            LOG.info(
                    "cluster change of {} CIDRs over {} keys confirmed in {} ms",
                    p.change.cidrs().size(),
                    keysOf(p.change),
                    (System.nanoTime() - p.started) / 1_000_000);
        }
        mirror(p.change.replyTo(), p.changes);
        return Behaviors.same();
    }

    /**
     * Writes the shard's current state to a majority: an update that changes nothing makes the replicator send
     * the whole value (there is no delta), which includes the change whose WriteAll timed out.
     */
    private void confirmWithMajority(long request, int shard) {
        replicator.askUpdate(
                replyTo -> new Replicator.Update<>(
                        key(shard),
                        CidrSet.empty(),
                        new Replicator.WriteMajority(majorityTimeout(list.listed())),
                        replyTo,
                        set -> set),
                rsp -> new ShardWritten(
                        request,
                        shard,
                        false,
                        rsp instanceof Replicator.UpdateSuccess,
                        rsp.getClass().getSimpleName()));
    }

    private Behavior<Command> onReconcileNow() {
        mirror(null, -1);
        return Behaviors.same();
    }

    /**
     * Brings the Prefilter's cluster scope to the list: in full the first time and after a failure, afterwards
     * only what changed. {@code replyTo} (null: no request) hears the outcome with {@code changed} as its count.
     */
    private void mirror(ActorRef<Prefilter.Result> replyTo, int changed) {
        ReplicatedDenyList.Mirror next = list.nextMirror();
        if (next instanceof ReplicatedDenyList.Full full) {
            askPrefilter(r -> new Prefilter.Reconcile(Scope.CLUSTER, full.desired(), r), replyTo, changed, true);
        } else if (next instanceof ReplicatedDenyList.Delta delta && (!delta.isEmpty() || replyTo != null)) {
            askPrefilter(
                    r -> new Prefilter.Adjust(Scope.CLUSTER, delta.add(), delta.remove(), r), replyTo, changed, false);
        }
    }

    private Behavior<Command> onServingReconciled(Serving serving, Reconciled reconciled) {
        if (!serving.mirroredOnce && reconciled.full() && reconciled.result() instanceof Prefilter.Applied a) {
            serving.mirroredOnce = true;
            LOG.info(
                    "cluster deny list mirrored into this node's maps ({} changed) {} ms after the start-up read "
                            + "began",
                    a.changed(),
                    (System.nanoTime() - serving.readStarted) / 1_000_000);
        }
        return onReconciled(reconciled);
    }

    // --- every phase that mirrors ---

    private Behavior<Command> onShardChanged(ShardChanged changed) {
        LOG.debug(
                "shard {} changed: {} entries", changed.shard(), changed.value().size());
        list.record(changed.shard(), changed.value());
        reconcileSoon();
        return Behaviors.same();
    }

    private Behavior<Command> onReconciled(Reconciled reconciled) {
        if (--prefilterAsks == 0 && reconcileWanted) {
            reconcileWanted = false;
            reconcileSoon();
        }
        LOG.debug("reconciled: {}", reconciled.result());
        if (reconciled.result() instanceof Prefilter.Rejected) {
            list.mirrorFailed();
        }
        if (reconciled.replyTo() != null) {
            // The reconcile may also carry other nodes' changes: report what this request changed.
            reconciled
                    .replyTo()
                    .tell(
                            reconciled.result() instanceof Prefilter.Applied a
                                    ? new Prefilter.Applied(a.revision(), reconciled.changed())
                                    : reconciled.result());
        } else if (reconciled.result() instanceof Prefilter.Rejected rej) {
            // The replicated list does not fit this node (a full map, a disabled family): keep serving, say so,
            // and try again at the next change.
            LOG.warn("cluster deny list not mirrored on this node: {}", rej.message());
        }
        return Behaviors.same();
    }

    /**
     * Reconciles as soon as the Prefilter is idle: at once (after the notifications already in the mailbox, which
     * one ReconcileNow covers) when no request to it is under way, else once the last one is answered. Changes that
     * come while it works are batched by that wait, not by a timer, which would add the scheduler's tick to every
     * change another node made.
     */
    private void reconcileSoon() {
        if (prefilterAsks > 0) {
            reconcileWanted = true;
        } else if (!reconcileQueued) {
            reconcileQueued = true;
            ctx.getSelf().tell(new ReconcileNow());
        }
    }

    private void askPrefilter(
            Function<ActorRef<Prefilter.Result>, Prefilter.Command> request,
            ActorRef<Prefilter.Result> replyTo,
            int changed,
            boolean full) {
        prefilterAsks++;
        ctx.ask(
                Prefilter.Result.class,
                prefilter,
                PREFILTER_TIMEOUT,
                request::apply,
                (result, failure) -> new Reconciled(
                        result != null
                                ? result
                                : new Prefilter.Rejected(
                                        PrefilterException.Reason.KERNEL, "", "prefilter did not answer: " + failure),
                        replyTo,
                        changed,
                        full));
    }

    // --- helpers ---

    private boolean allReachable() {
        return Replication.allReachable(Cluster.get(ctx.getSystem()));
    }

    private int upMembers() {
        return Replication.upMembers(Cluster.get(ctx.getSystem()));
    }

    /**
     * WriteAll's deadline: {@link #WRITE_ALL_TIMEOUT} plus {@link #PER_LISTED_CIDR} for each CIDR listed (those
     * being added included).
     */
    static Duration writeAllTimeout(long listed) {
        return WRITE_ALL_TIMEOUT.plus(PER_LISTED_CIDR.multipliedBy(listed));
    }

    /** A majority write's or read's deadline: {@link #WRITE_TIMEOUT} plus {@link #PER_LISTED_CIDR} per CIDR. */
    static Duration majorityTimeout(long listed) {
        return WRITE_TIMEOUT.plus(PER_LISTED_CIDR.multipliedBy(listed));
    }

    private static String firstOf(Change change) {
        return change.cidrs().isEmpty() ? "" : change.cidrs().get(0).toString();
    }

    private static long keysOf(Change change) {
        return change.cidrs().stream()
                .map(PrefilterReplication::shardOf)
                .distinct()
                .count();
    }
}
