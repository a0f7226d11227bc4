package io.membrane.cluster;

import io.membrane.actors.prefilter.Prefilter;
import io.membrane.actors.prefilter.PrefilterException;
import io.membrane.actors.prefilter.Scope;
import io.membrane.cluster.ddata.CidrSet;
import io.membrane.cluster.ddata.CidrSetKey;
import io.membrane.maps.net.Cidr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge between the cluster-scoped deny list in Distributed Data and this node's Prefilter. The list is a
 * {@link CidrSet} (an observed-remove set with a compact wire form) split over a fixed set of {@value #SHARDS}
 * keys: a fixed set leaves no tombstones behind, and many small keys keep each write small — writes carry a key's
 * whole value (deltas are off, see reference.conf), and at 100,000 CIDRs a key holds about 400, under 4 KB. The
 * keys are durable (LMDB, see reference.conf): after a restart of every node at once each reads the list back
 * from disk, not an empty one.
 *
 * <p>Writes go to every node at once (WriteAll) while every member is reachable: Pekko's WriteMajority sends the
 * write only to a majority subset and leaves the other nodes to gossip (every 2 s here; with deltas, which were
 * measured first, the delta push ran at most every 200 ms) — too slow for a deny list that should be everywhere
 * within 100 ms. What a reply promises is a
 * majority: when a member is unreachable, or WriteAll is not acknowledged in time ({@link #writeAllTimeout}), the
 * shard's whole state is written again with WriteMajority; a change a majority has is not lost when a node dies,
 * and a majority of three is still there when one node is down. Failing to reach it is an error, never success.
 *
 * <p>Every change the replicator reports — this node's or another's — ends in a request to the Prefilter, the
 * only writer of the maps: the first a Reconcile of the whole cluster scope, later an Adjust of what changed in
 * the keys that changed. The replicator's callbacks only record the new value. At start the bridge waits until this node is Up and its replicator knows every Up member, then reads
 * every shard with ReadMajority; it reconciles only once it has read them all, so a restarted node never
 * removes cluster entries from its maps because it has not heard of them yet.
 */
public final class PrefilterReplication {
    private static final Logger LOG = LoggerFactory.getLogger(PrefilterReplication.class);
    static final int SHARDS = 256;
    /** Keys are {@code deny-000} .. {@code deny-255} (durable: reference.conf lists {@code deny-*}). */
    static final String KEY_PREFIX = "deny-";
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(3);
    /**
     * What each CIDR of the whole list adds to a write's deadlines. A write carries whole keys, and the replicator
     * serializes a changed key's value for each node and once more for its digest, so a batch that touches every
     * key costs in proportion to the whole list. Measured in the three-node lab on 2 vCPUs with Pekko's ORSet
     * (the list's first form): a 10,000-CIDR change took 0.6–1.1 s with an empty list and 2.2–2.9 s once it held
     * 80,000; with CidrSet 0.3 s and 0.6–0.7 s. 60 µs per listed CIDR was chosen for the former and is kept: a
     * deadline too long only delays a "not confirmed" answer, one too short reports a slow success as a failure.
     */
    static final Duration PER_LISTED_CIDR = Duration.ofNanos(60_000);
    /** How long WriteAll may take before the write falls back to a majority (a member died, not yet unreachable). */
    static final Duration WRITE_ALL_TIMEOUT = Duration.ofSeconds(1);
    /** How often the start-up checks whether this node is Up and its replicator knows every Up member. */
    static final Duration READY_POLL = Duration.ofMillis(50);
    /**
     * The start-up read of one key. Generous: 256 keys read at once from a cluster holding 100,000 CIDRs keep a
     * small node busy for seconds, and a read that times out is work thrown away (with 3 s, one join in three
     * took twice as long); a majority that is really unreachable is retried as often either way.
     */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    /** Changes of at least this many CIDRs say in the log how long their confirmation took. */
    static final int LOG_BATCH = 1000;
    /**
     * How long a change that arrives before this node has read the cluster's list waits for that read (a node
     * just started is usually a second or two from it) before it is refused with a 503.
     */
    static final Duration READ_WAIT = Duration.ofSeconds(5);
    /** Changes arriving together (a batch touches many shards) are reconciled once. */
    static final Duration COALESCE = Duration.ofMillis(5);

    public sealed interface Command permits Change, ShardChanged, ShardRead, ShardWritten, Reconciled, ReconcileNow,
            RevisionChecked, ReadShard, CheckUp, Replicas, ExpireWaiting {}

    /** Changes that came before the start-up read finished and have waited {@link #READ_WAIT}: refused. */
    record ExpireWaiting() implements Command {}

    /** A cluster-scoped PATCH (add) or DELETE from the API. */
    public record Change(List<Cidr> cidrs, boolean add, OptionalLong revision, ActorRef<Prefilter.Result> replyTo)
            implements Command {}

    record ShardChanged(int shard, Set<Cidr> value) implements Command {}

    /** The answer to the start-up read of one shard; empty {@code value} with {@code ok} false = failed. */
    record ShardRead(int shard, boolean ok, Set<Cidr> value) implements Command {}

    record ReadShard(int shard) implements Command {}

    /** {@code toAll}: the write was a WriteAll (its timeout falls back to a majority write). */
    record ShardWritten(long request, int shard, boolean toAll, boolean ok, String detail) implements Command {}

    /** Is this node Up yet? Then the start-up read can begin once the replicator knows the members. */
    record CheckUp() implements Command {}

    /** The replicator's count of replicas (this node included). */
    record Replicas(int count) implements Command {}

    /** {@code changed}: how many CIDRs the request itself changed in the replicated list (-1: no request). */
    record Reconciled(Prefilter.Result result, ActorRef<Prefilter.Result> replyTo, int changed, boolean full)
            implements Command {}

    record ReconcileNow() implements Command {}

    record RevisionChecked(Change change, long current) implements Command {}

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ReplicatorMessageAdapter<Command, CidrSet> replicator;
    private final UniqueAddress self;
    private final ActorRef<Prefilter.Command> prefilter;
    private final Map<Integer, Set<Cidr>> shards = new HashMap<>();
    /**
     * Shards whose current value this node has heard (a start-up read or a change). Until it has heard every
     * shard it does not reconcile: a partial view would remove cluster entries of the shards not heard yet
     * from the maps, a gap in enforcement after every restart.
     */
    private final Set<Integer> heard = new HashSet<>();
    /** Keys whose value has come in a change notification at least once (see ShardRead). */
    private final Set<Integer> notified = new HashSet<>();
    /**
     * What the Prefilter was last asked to hold for each shard. Once a full reconcile has run, a change costs a
     * diff of the shards it touched — a few hundred CIDRs — instead of a reconcile of the whole list (100,000
     * parsed and compared on every notification would keep a node busy while a big list loads).
     */
    private final Map<Integer, Set<Cidr>> mirrored = new HashMap<>();
    private final Set<Integer> dirty = new HashSet<>();
    /** What {@link #addEarly} has already sent; the full reconcile after the start-up read takes over from it. */
    private final Set<Cidr> addedEarly = new HashSet<>();
    /** No full reconcile has succeeded yet, or the last request failed: the next one compares everything. */
    private boolean fullNeeded = true;
    private final Map<Long, Pending> pending = new HashMap<>();
    private long nextRequest = 1;
    /** Changes waiting for the start-up read, with when each came (System.nanoTime). */
    private final List<Map.Entry<Change, Long>> waiting = new ArrayList<>();
    /** When the start-up read began (System.nanoTime), for the log line that says how long catching up took. */
    private long readStarted;
    private boolean mirroredOnce;

    /** A change waiting for its shard writes. */
    private static final class Pending {
        final Change change;
        final int changes;
        int outstanding;
        final List<String> failures = new ArrayList<>();
        final long started = System.nanoTime();

        Pending(Change change, int changes, int outstanding) {
            this.change = change;
            this.changes = changes;
            this.outstanding = outstanding;
        }
    }

    private PrefilterReplication(ActorContext<Command> ctx, TimerScheduler<Command> timers,
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
                    PrefilterReplication bridge = new PrefilterReplication(ctx, timers, r, prefilter);
                    // Before this node is Up its replicator knows no other node, and a "majority" read would
                    // be a read of its own replica: poll until it is Up (polling needs no subscription that could
                    // miss an event that came first) and its replicator knows every Up member.
                    timers.startTimerWithFixedDelay("ready", new CheckUp(), READY_POLL);
                    // One adapter serves every key (typed message adapters are per message class): the shard
                    // comes from the key the notification names.
                    for (int s = 0; s < SHARDS; s++) {
                        r.subscribe(key(s), rsp -> rsp instanceof Replicator.Changed<CidrSet> c
                                ? new ShardChanged(shardOfKey(c.key()), c.get(c.key()).elements())
                                : new ShardChanged(shardOfKey(rsp.key()), Set.of()));
                    }
                    return bridge.behavior();
                })));
    }

    private static final List<Key<CidrSet>> KEYS = IntStream.range(0, SHARDS)
            .<Key<CidrSet>>mapToObj(s -> new CidrSetKey(String.format("%s%03d", KEY_PREFIX, s))).toList();

    static Key<CidrSet> key(int shard) {
        return KEYS.get(shard);
    }

    static int shardOfKey(Key<CidrSet> key) {
        return Integer.parseInt(key.id().substring(KEY_PREFIX.length()));
    }

    /**
     * The key a CIDR lives in. Every node must compute the same, whatever its JDK: a record's hashCode is not
     * specified, so the hash is spelled out here (the address and length mixed by the murmur3 finalizer).
     */
    static int shardOf(Cidr cidr) {
        int h;
        if (cidr instanceof Cidr.V4 v4) {
            h = v4.prefix().address() * 31 + v4.prefix().length();
        } else {
            Cidr.V6 v6 = (Cidr.V6) cidr;
            h = Arrays.hashCode(v6.prefix().addressBytes()) * 31 + v6.prefix().length();
        }
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return Math.floorMod(h, SHARDS);
    }

    private Behavior<Command> behavior() {
        return Behaviors.receive(Command.class)
                .onMessage(CheckUp.class, u -> {
                    if (readStarted == 0 && Cluster.get(ctx.getSystem()).selfMember().status() == MemberStatus.up()) {
                        replicator.askReplicaCount(Replicator.GetReplicaCount::new, rc -> new Replicas(rc.n()));
                    }
                    return Behaviors.same();
                })
                .onMessage(Replicas.class, r -> {
                    if (readStarted != 0) {
                        return Behaviors.same(); // an answer to a poll that was already under way
                    }
                    int up = upMembers();
                    if (r.count() < up) {
                        // The replicator has not processed every MemberUp yet: a majority of what it knows
                        // would be too small. The poll asks again.
                        return Behaviors.same();
                    }
                    LOG.info("up in a cluster of {}: reading the cluster deny list ({} keys) from a majority", up, SHARDS);
                    readStarted = System.nanoTime();
                    timers.cancel("ready");
                    for (int s = 0; s < SHARDS; s++) {
                        ctx.getSelf().tell(new ReadShard(s));
                    }
                    return Behaviors.same();
                })
                .onMessage(ShardChanged.class, c -> {
                    LOG.debug("shard {} changed: {} entries", c.shard(), c.value().size());
                    // The newest value always wins, but only the start-up read makes a shard "heard": a change
                    // seen before it may be this node's own stale replica.
                    notified.add(c.shard());
                    record(c.shard(), c.value());
                    reconcileSoon();
                    return Behaviors.same();
                })
                .onMessage(ReadShard.class, r -> {
                    // A majority read: a node that restarts learns what the cluster holds, not only its own replica
                    // (read back from disk, but it may have missed changes while the node was down).
                    replicator.askGet(replyTo -> new Replicator.Get<>(key(r.shard()),
                                    new Replicator.ReadMajority(READ_TIMEOUT), replyTo),
                            rsp -> rsp instanceof Replicator.GetSuccess<CidrSet> g
                                    ? new ShardRead(r.shard(), true, g.get(key(r.shard())).elements())
                                    : new ShardRead(r.shard(), rsp instanceof Replicator.NotFound, Set.of()));
                    return Behaviors.same();
                })
                .onMessage(ShardRead.class, r -> {
                    if (!r.ok()) {
                        timers.startSingleTimer("read-" + r.shard(), new ReadShard(r.shard()), Duration.ofMillis(200));
                        return Behaviors.same();
                    }
                    boolean last = heard.add(r.shard()) && heard.size() == SHARDS;
                    // A read's answer may be older than a change notification that came before it (a write
                    // that reached the replica while the read was under way): the notifications are the
                    // replica's own order, so once one came the read only says "heard". A read that brought
                    // news is followed by a notification of its own (the read repairs the replica).
                    if (notified.contains(r.shard())) {
                        dirty.add(r.shard());
                    } else {
                        record(r.shard(), r.value());
                    }
                    if (last) {
                        LOG.info("read the cluster deny list: {} entries in {} ms", union().size(),
                                (System.nanoTime() - readStarted) / 1_000_000);
                        waiting.forEach(w -> ctx.getSelf().tell(w.getKey()));
                        waiting.clear();
                        timers.cancel("expire-waiting");
                    }
                    reconcileSoon();
                    return Behaviors.same();
                })
                .onMessage(ExpireWaiting.class, x -> {
                    long now = System.nanoTime();
                    waiting.removeIf(w -> {
                        if (now - w.getValue() < READ_WAIT.toNanos()) {
                            return false;
                        }
                        w.getKey().replyTo().tell(new Prefilter.Rejected(PrefilterException.Reason.NOT_CONFIRMED,
                                w.getKey().cidrs().get(0).toString(), "this node has not read the cluster's deny list "
                                + "yet (" + heard.size() + " of " + SHARDS + " parts after " + READ_WAIT.toSeconds()
                                + " s; is it up in a cluster with a reachable majority?); try again in a moment"));
                        return true;
                    });
                    if (waiting.isEmpty()) {
                        timers.cancel("expire-waiting");
                    }
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
                    if (!mirroredOnce && r.full() && r.result() instanceof Prefilter.Applied a) {
                        mirroredOnce = true;
                        LOG.info("cluster deny list mirrored into this node's maps ({} changed) {} ms after the "
                                + "start-up read began", a.changed(), (System.nanoTime() - readStarted) / 1_000_000);
                    }
                    if (r.result() instanceof Prefilter.Rejected) {
                        // What the maps hold is no longer known here: compare everything next time.
                        fullNeeded = true;
                    }
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
            waiting.add(Map.entry(change, System.nanoTime()));
            if (!timers.isTimerActive("expire-waiting")) {
                timers.startTimerWithFixedDelay("expire-waiting", new ExpireWaiting(), Duration.ofMillis(200));
            }
            return Behaviors.same();
        }
        for (Cidr c : change.cidrs()) {
            if (!change.add() && !inList(c)) {
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
        Map<Integer, List<Cidr>> byShard = new HashMap<>();
        for (Cidr c : change.cidrs()) {
            byShard.computeIfAbsent(shardOf(c), k -> new ArrayList<>()).add(c);
        }
        long request = nextRequest++;
        int changes = change.add()
                ? (int) change.cidrs().stream().filter(c -> !inList(c)).count()
                : change.cidrs().size();
        pending.put(request, new Pending(change, changes, byShard.size()));
        boolean toAll = allReachable();
        long listed = listed() + (change.add() ? changes : 0);
        byShard.forEach((shard, cidrs) -> replicator.askUpdate(
                replyTo -> new Replicator.Update<>(key(shard), CidrSet.empty(), toAll
                        ? new Replicator.WriteAll(writeAllTimeout(listed)) : new Replicator.WriteMajority(majorityTimeout(listed)),
                        replyTo, set -> change.add() ? set.addAll(self, cidrs) : set.removeAll(cidrs)),
                rsp -> new ShardWritten(request, shard, toAll, rsp instanceof Replicator.UpdateSuccess,
                        rsp.getClass().getSimpleName())));
        return Behaviors.same();
    }

    /**
     * Writes the shard's current state to a majority: an update that changes nothing makes the replicator send
     * the whole value (there is no delta), which includes the change whose WriteAll timed out.
     */
    private void confirmWithMajority(long request, int shard) {
        replicator.askUpdate(replyTo -> new Replicator.Update<>(key(shard), CidrSet.empty(),
                        new Replicator.WriteMajority(majorityTimeout(listed())), replyTo, set -> set),
                rsp -> new ShardWritten(request, shard, false, rsp instanceof Replicator.UpdateSuccess,
                        rsp.getClass().getSimpleName()));
    }

    private boolean allReachable() {
        return !Cluster.get(ctx.getSystem()).state().getUnreachable().iterator().hasNext();
    }

    private int upMembers() {
        int up = 0;
        for (Member m : Cluster.get(ctx.getSystem()).state().getMembers()) {
            if (m.status() == MemberStatus.up()) {
                up++;
            }
        }
        return up;
    }

    private Behavior<Command> onWritten(ShardWritten w) {
        Pending p = pending.get(w.request());
        if (p == null) {
            return Behaviors.same();
        }
        if (!w.ok() && w.toAll() && w.detail().equals("UpdateTimeout")) {
            LOG.debug("shard {}: not every node acknowledged within {} ms; confirming with a majority", w.shard(),
                    writeAllTimeout(listed()).toMillis());
            confirmWithMajority(w.request(), w.shard());
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
                    + majorityTimeout(listed()).toSeconds() + " s (" + String.join(", ", p.failures)
                    + "); it may still reach every node"));
            return Behaviors.same();
        }
        // Confirmed by a majority: mirror it here now, not at the next notification, so the reply means enforced.
        // One copy per key, not per CIDR: a batch of 10,000 over keys of 400 would otherwise copy four million.
        Map<Integer, Set<Cidr>> touched = new HashMap<>();
        for (Cidr c : p.change.cidrs()) {
            Set<Cidr> shard = touched.computeIfAbsent(shardOf(c), k -> new HashSet<>(shards.getOrDefault(k, Set.of())));
            if (p.change.add()) {
                shard.add(c);
            } else {
                shard.remove(c);
            }
        }
        touched.forEach(this::record);
        if (p.change.cidrs().size() >= LOG_BATCH) {
            LOG.info("cluster change of {} CIDRs over {} keys confirmed in {} ms", p.change.cidrs().size(),
                    keysOf(p.change), (System.nanoTime() - p.started) / 1_000_000);
        }
        reconcile(p.change.replyTo(), p.changes);
        return Behaviors.same();
    }

    /**
     * Reconciles {@link #COALESCE} after the first of a run of changes. The timer is not restarted by the later
     * ones: a steady stream of notifications (256 keys read at start, a busy cluster) must not postpone it.
     */
    private void reconcileSoon() {
        if (!timers.isTimerActive("reconcile")) {
            timers.startSingleTimer("reconcile", new ReconcileNow(), COALESCE);
        }
    }

    /** {@code value} is not copied: it is a view of an immutable CidrSet, or a set this actor made and keeps. */
    private void record(int shard, Set<Cidr> value) {
        shards.put(shard, value);
        dirty.add(shard);
    }

    /**
     * Brings the Prefilter's cluster scope to the shards' values: the whole list the first time (and after a
     * failure), afterwards only the CIDRs of the shards that changed. Requests reach the Prefilter in the order
     * they are sent, so what is recorded as mirrored here is what it will hold once it has worked through them.
     */
    private void reconcile(ActorRef<Prefilter.Result> replyTo, int changed) {
        if (heard.size() < SHARDS) {
            addEarly();
            return; // not every key read yet: remove nothing (see `heard`)
        }
        if (fullNeeded) {
            Set<Cidr> desired = union();
            addedEarly.clear();
            mirrored.clear();
            mirrored.putAll(shards);
            dirty.clear();
            fullNeeded = false;
            ctx.ask(Prefilter.Result.class, prefilter, Duration.ofSeconds(30),
                    r -> new Prefilter.Reconcile(Scope.CLUSTER, desired, r),
                    (result, failure) -> reconciled(result, failure, replyTo, changed, true));
            return;
        }
        Set<Cidr> add = new HashSet<>();
        Set<Cidr> remove = new HashSet<>();
        for (int shard : dirty) {
            Set<Cidr> now = shards.getOrDefault(shard, Set.of());
            Set<Cidr> before = mirrored.getOrDefault(shard, Set.of());
            now.stream().filter(c -> !before.contains(c)).forEach(add::add);
            before.stream().filter(c -> !now.contains(c)).forEach(remove::add);
            mirrored.put(shard, now);
        }
        dirty.clear();
        if (add.isEmpty() && remove.isEmpty() && replyTo == null) {
            return;
        }
        ctx.ask(Prefilter.Result.class, prefilter, Duration.ofSeconds(30),
                r -> new Prefilter.Adjust(Scope.CLUSTER, add, remove, r),
                (result, failure) -> reconciled(result, failure, replyTo, changed, false));
    }

    /**
     * While the start-up read goes on, mirrors what has been read so far, adds only: an entry the cluster holds
     * can be enforced at once, whereas a removal must wait until every key is read. A node joining a long list
     * so mirrors it while it reads instead of after; the full reconcile at the end finds the adds done.
     */
    private void addEarly() {
        Set<Cidr> add = new HashSet<>();
        // Only keys read from a majority: a key this node has merely seen change may be its own stale replica.
        for (int shard : dirty) {
            if (heard.contains(shard)) {
                for (Cidr c : shards.getOrDefault(shard, Set.of())) {
                    if (addedEarly.add(c)) {
                        add.add(c);
                    }
                }
            }
        }
        dirty.removeAll(heard);
        if (add.isEmpty()) {
            return;
        }
        ctx.ask(Prefilter.Result.class, prefilter, Duration.ofSeconds(30),
                r -> new Prefilter.Adjust(Scope.CLUSTER, add, Set.of(), r),
                (result, failure) -> reconciled(result, failure, null, -1, false));
    }

    private Reconciled reconciled(Prefilter.Result result, Throwable failure, ActorRef<Prefilter.Result> replyTo,
                                  int changed, boolean full) {
        return new Reconciled(result != null ? result : new Prefilter.Rejected(PrefilterException.Reason.KERNEL, "",
                "prefilter did not answer: " + failure), replyTo, changed, full);
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

    private long listed() {
        return shards.values().stream().mapToLong(Set::size).sum();
    }

    private static long keysOf(Change change) {
        return change.cidrs().stream().map(PrefilterReplication::shardOf).distinct().count();
    }

    private boolean inList(Cidr cidr) {
        return shards.getOrDefault(shardOf(cidr), Set.of()).contains(cidr);
    }

    private Set<Cidr> union() {
        Set<Cidr> all = new HashSet<>();
        shards.values().forEach(all::addAll);
        return all;
    }
}
