package io.membrane.cluster.identity;

import io.membrane.actors.identity.LabelException;
import io.membrane.actors.identity.LabelSet;
import io.membrane.actors.identity.ReservedIdentity;
import io.membrane.cluster.ddata.LwwDotMap;
import io.membrane.cluster.ddata.ReplicasKnown;
import io.membrane.cluster.ddata.Replication;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's one identity decider, run as a Cluster Singleton on the oldest member: it hands out the numbers of
 * label sets from an {@link IdentityBook} and keeps the replicated table ({@link IdentityKeys}) in step with it.
 *
 * <p>Phases. <b>awaiting-up</b>: until this node is Up and its replicator knows every Up member (a "majority" of
 * fewer replicas would be its own). <b>reading</b>: every table key read with ReadMajority, requests stashed; the
 * book is rebuilt from the result with every clock at this moment, so a decider that took over never releases
 * sooner than a grace period later. <b>serving</b>: answers requests.
 *
 * <p>An answer with a new number goes out only after its entry is written with WriteMajority (durable): a successor
 * reads a majority, so it never gives that number to other labels. Requests that arrive together are written
 * together, one write per key touched; writes to different keys run at once, a key has one write under way at a
 * time (what comes meanwhile goes in its next), and a label set already being written joins that write. A failed
 * write is tried again; its requesters wait (they ask again anyway).
 *
 * <p>Release: every {@link IdentitySettings#releaseCheck}, the numbers that no current member published as used and
 * nobody asked for during the grace period are removed with WriteMajority; only then is a number free. Uses of a
 * node that is not a member any more do not count. Table entries the book does not have (a write of a decider that
 * died before it answered, brought back by a replica that had it) are removed or written over when seen.
 */
public final class IdentityDecider {
    private static final Logger LOG = LoggerFactory.getLogger(IdentityDecider.class);

    /** The decider's protocol: {@link AllocateIdentities} from the nodes, and its own messages. */
    public sealed interface Command permits AllocateIdentities, Internal {}

    private sealed interface Internal extends Command
            permits MembersKnown,
                    ShardRead,
                    ShardReadRetry,
                    TableChanged,
                    UsesChanged,
                    Flush,
                    TableWritten,
                    ReleaseCheck {}

    /** This node is Up and its replicator counts every Up member: a majority read now means one. */
    private record MembersKnown() implements Internal {}

    /** A start-up read of one table key; {@code entries} null when it failed. */
    private record ShardRead(int shard, Map<Integer, IdentityEntry> entries) implements Internal {}

    private record ShardReadRetry(int shard) implements Internal {}

    private record TableChanged(int shard, Map<Integer, IdentityEntry> entries) implements Internal {}

    private record UsesChanged(int shard, Map<String, IdentityUses> entries) implements Internal {}

    private record Flush() implements Internal {}

    /** {@code ops}: number to labels text, or to null for a removal. */
    private record TableWritten(int shard, Map<Integer, String> ops, boolean toAll, boolean ok, String detail)
            implements Internal {}

    private record ReleaseCheck() implements Internal {}

    private static final String RETRY_TIMER = "retry-flush";
    private static final java.time.Duration READ_RETRY = java.time.Duration.ofMillis(200);
    private static final java.time.Duration WRITE_RETRY = java.time.Duration.ofMillis(200);
    private static final int STASH = 100_000;
    static final java.time.Duration WRITE_ALL_TIMEOUT = java.time.Duration.ofSeconds(1);

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ReplicatorMessageAdapter<Command, LwwDotMap<Integer, IdentityEntry>> table;
    private final IdentitySettings settings;
    private final SelfUniqueAddress self;
    private final ActorRefResolver resolver;
    private final long startedMillis = nowMillis();

    /** Each use key's entries, as last notified. */
    private final Map<Integer, Map<String, IdentityUses>> uses = new HashMap<>();
    /** Serving: each table key as last checked against the book. */
    private final Map<Integer, Map<Integer, IdentityEntry>> checked = new HashMap<>();
    /** Before serving: each table key as last notified, checked against the book once it is built. */
    private final Map<Integer, Map<Integer, IdentityEntry>> lastTable = new HashMap<>();
    /** Serving: table changes to write, by key; a number maps to its labels text or to null for a removal. */
    private final Map<Integer, Map<Integer, String>> dirty = new HashMap<>();
    /** Numbers whose put is waiting in {@link #dirty} or under way. */
    private final Set<Integer> writing = new HashSet<>();
    /** Requesters waiting for a label set's write. */
    private final Map<LabelSet, List<ActorRef<IdentitiesGranted>>> waiters = new HashMap<>();
    /** Requesters of a label set whose number is being released: asked again once it is. */
    private final Map<LabelSet, List<ActorRef<IdentitiesGranted>>> deferred = new HashMap<>();
    /** Answers gathered while one message is handled, sent at its end: one message per node. */
    private final Map<ActorRef<IdentitiesGranted>, List<IdentityGranted>> outbox = new LinkedHashMap<>();

    /** Keys with a write under way. */
    private final Set<Integer> inFlight = new HashSet<>();
    /** Keys whose last write to every member was not confirmed: the next goes to a majority. */
    private final Set<Integer> majorityOnly = new HashSet<>();

    private boolean flushSent;
    private IdentityBook book;

    private IdentityDecider(
            ActorContext<Command> ctx,
            TimerScheduler<Command> timers,
            ReplicatorMessageAdapter<Command, LwwDotMap<Integer, IdentityEntry>> table,
            IdentitySettings settings) {
        this.ctx = ctx;
        this.timers = timers;
        this.table = table;
        this.settings = settings;
        this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
        this.resolver = ActorRefResolver.get(ctx.getSystem());
    }

    public static Behavior<Command> create(IdentitySettings settings) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> Behaviors.withStash(
                STASH,
                stash -> DistributedData.withReplicatorMessageAdapter(
                        (ReplicatorMessageAdapter<Command, LwwDotMap<Integer, IdentityEntry>> table) -> {
                            IdentityKeys.subscribeAll(ctx, TableChanged::new, UsesChanged::new);
                            ctx.spawnAnonymous(ReplicasKnown.create(ctx.getSelf(), new MembersKnown()));
                            return new IdentityDecider(ctx, timers, table, settings).awaitingUp(stash);
                        }))));
    }

    private static long nowMillis() {
        return System.nanoTime() / 1_000_000;
    }

    // --- awaiting-up ---

    private Behavior<Command> awaitingUp(StashBuffer<Command> stash) {
        return Behaviors.receive(Command.class)
                .onMessage(MembersKnown.class, k -> onMembersKnown(stash))
                .onMessage(UsesChanged.class, this::onUsesChanged)
                .onMessage(TableChanged.class, this::onEarlyTableChanged)
                .onMessage(AllocateIdentities.class, a -> stashed(stash, a))
                .build();
    }

    private Behavior<Command> onEarlyTableChanged(TableChanged changed) {
        lastTable.put(changed.shard(), changed.entries());
        return Behaviors.same();
    }

    private Behavior<Command> onMembersKnown(StashBuffer<Command> stash) {
        int up = Replication.upMembers(Cluster.get(ctx.getSystem()));
        LOG.info(
                "identity decider: reading the identity table ({} keys) from a majority of {}",
                IdentityKeys.TABLE_SHARDS,
                up);
        for (int s = 0; s < IdentityKeys.TABLE_SHARDS; s++) {
            read(s);
        }
        return reading(stash, new HashMap<>());
    }

    private Behavior<Command> stashed(StashBuffer<Command> stash, AllocateIdentities request) {
        if (stash.isFull()) {
            LOG.warn("identity decider: {} requests wait for the start-up read; dropping {}", STASH, request.labels());
        } else {
            stash.stash(request);
        }
        return Behaviors.same();
    }

    // --- reading ---

    private Behavior<Command> reading(StashBuffer<Command> stash, Map<Integer, Map<Integer, IdentityEntry>> read) {
        return Behaviors.receive(Command.class)
                .onMessage(ShardRead.class, r -> onShardRead(stash, read, r))
                .onMessage(ShardReadRetry.class, r -> {
                    read(r.shard());
                    return Behaviors.same();
                })
                .onMessage(UsesChanged.class, this::onUsesChanged)
                .onMessage(TableChanged.class, this::onEarlyTableChanged)
                .onMessage(AllocateIdentities.class, a -> stashed(stash, a))
                .build();
    }

    private void read(int shard) {
        table.askGet(
                r -> new Replicator.Get<>(
                        IdentityKeys.table(shard), new Replicator.ReadMajority(settings.writeTimeout()), r),
                rsp -> rsp instanceof Replicator.GetSuccess<LwwDotMap<Integer, IdentityEntry>> g
                        ? new ShardRead(shard, g.get(g.key()).getEntries())
                        : new ShardRead(shard, rsp instanceof Replicator.NotFound ? Map.of() : null));
    }

    private Behavior<Command> onShardRead(
            StashBuffer<Command> stash, Map<Integer, Map<Integer, IdentityEntry>> read, ShardRead r) {
        if (r.entries() == null) {
            timers.startSingleTimer("read-" + r.shard(), new ShardReadRetry(r.shard()), READ_RETRY);
            return Behaviors.same();
        }
        read.put(r.shard(), r.entries());
        if (read.size() < IdentityKeys.TABLE_SHARDS) {
            return Behaviors.same();
        }
        Map<Integer, LabelSet> all = new HashMap<>();
        read.values()
                .forEach(shard -> shard.forEach((id, e) -> parse(e.labels()).ifPresent(l -> all.put(id, l))));
        book = IdentityBook.rebuild(all, nowMillis());
        LOG.info("identity decider serving: {} identities read in {} ms", book.size(), nowMillis() - startedMillis);
        timers.startTimerWithFixedDelay("release", new ReleaseCheck(), settings.releaseCheck());
        // Entries the book left out, or that came while it was being read, are cleaned up now.
        lastTable.forEach((shard, entries) -> onTableChanged(new TableChanged(shard, entries)));
        return stash.unstashAll(serving());
    }

    // --- serving ---

    private Behavior<Command> serving() {
        return Behaviors.receive(Command.class)
                .onMessage(AllocateIdentities.class, this::onAllocate)
                .onMessage(Flush.class, f -> onFlush())
                .onMessage(TableWritten.class, this::onTableWritten)
                .onMessage(TableChanged.class, this::onTableChanged)
                .onMessage(UsesChanged.class, this::onUsesChanged)
                .onMessage(ReleaseCheck.class, c -> onReleaseCheck())
                .onMessage(ShardRead.class, r -> Behaviors.same())
                .onMessage(ShardReadRetry.class, r -> Behaviors.same())
                .build();
    }

    private Behavior<Command> onAllocate(AllocateIdentities request) {
        ActorRef<IdentitiesGranted> replyTo = resolver.resolveActorRef(request.replyTo());
        for (String text : request.labels()) {
            try {
                allocate(LabelSet.parse(text), text, replyTo);
            } catch (LabelException e) {
                grant(replyTo, new IdentityGranted(text, 0, e.getMessage()));
            }
        }
        sendGrants();
        return Behaviors.same();
    }

    private void allocate(LabelSet labels, String text, ActorRef<IdentitiesGranted> replyTo) {
        Optional<ReservedIdentity> reserved = ReservedIdentity.byLabels(labels);
        if (reserved.isPresent()) {
            grant(replyTo, new IdentityGranted(text, reserved.get().id(), ""));
            return;
        }
        Optional<IdentityBook.Answer> answer = book.request(labels, nowMillis());
        if (answer.isEmpty()) {
            grant(
                    replyTo,
                    new IdentityGranted(
                            text, 0, "every cluster identity (256..65535) is held; none is free for " + labels));
            return;
        }
        int id = answer.get().id();
        switch (answer.get().state()) {
            case HELD -> grant(replyTo, new IdentityGranted(text, id, ""));
            case WRITING -> {
                waiters.computeIfAbsent(labels, l -> new ArrayList<>()).add(replyTo);
                if (writing.add(id)) {
                    change(id, labels.toString());
                }
            }
            case RELEASING ->
                deferred.computeIfAbsent(labels, l -> new ArrayList<>()).add(replyTo);
        }
    }

    private void grant(ActorRef<IdentitiesGranted> to, IdentityGranted grant) {
        outbox.computeIfAbsent(to, t -> new ArrayList<>()).add(grant);
    }

    private void sendGrants() {
        outbox.forEach((to, grants) -> to.tell(new IdentitiesGranted(grants)));
        outbox.clear();
    }

    /** Queues a table change of {@code id} ({@code labels} null: remove it) for the next flush. */
    private void change(int id, String labels) {
        dirty.computeIfAbsent(IdentityKeys.tableShard(id), s -> new LinkedHashMap<>())
                .put(id, labels);
        flushSoon();
    }

    /** A flush after whatever is already in the mailbox: requests that came together are written together. */
    private void flushSoon() {
        if (!flushSent) {
            flushSent = true;
            ctx.getSelf().tell(new Flush());
        }
    }

    private Behavior<Command> onFlush() {
        flushSent = false;
        for (java.util.Iterator<Map.Entry<Integer, Map<Integer, String>>> it =
                        dirty.entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<Integer, Map<Integer, String>> shard = it.next();
            if (inFlight.add(shard.getKey())) {
                write(shard.getKey(), shard.getValue());
                it.remove();
            }
        }
        return Behaviors.same();
    }

    /**
     * One write of a key's changes: to every member while all are reachable (so every node's table has the entry
     * at once, not after gossip), else, or when that write was not confirmed in {@link #WRITE_ALL_TIMEOUT} (a member
     * died and is not unreachable yet), to a majority. A majority is what an answer needs.
     */
    private void write(int shard, Map<Integer, String> ops) {
        Map<Integer, String> copy = new HashMap<>(ops);
        boolean toAll = !majorityOnly.remove(shard)
                && !Cluster.get(ctx.getSystem())
                        .state()
                        .getUnreachable()
                        .iterator()
                        .hasNext();
        Replicator.WriteConsistency consistency = toAll
                ? new Replicator.WriteAll(WRITE_ALL_TIMEOUT)
                : new Replicator.WriteMajority(settings.writeTimeout());
        table.askUpdate(
                r -> new Replicator.Update<>(
                        IdentityKeys.table(shard), LwwDotMap.empty(), consistency, r, map -> apply(map, copy)),
                rsp -> new TableWritten(
                        shard,
                        copy,
                        toAll,
                        rsp instanceof Replicator.UpdateSuccess,
                        rsp.getClass().getSimpleName()));
    }

    private LwwDotMap<Integer, IdentityEntry> apply(LwwDotMap<Integer, IdentityEntry> map, Map<Integer, String> ops) {
        LwwDotMap<Integer, IdentityEntry> out = map;
        for (Map.Entry<Integer, String> op : ops.entrySet()) {
            out = op.getValue() == null
                    ? out.remove(self, op.getKey())
                    : out.put(self, op.getKey(), new IdentityEntry(op.getValue()));
        }
        return out;
    }

    private Behavior<Command> onTableWritten(TableWritten w) {
        inFlight.remove(w.shard());
        if (!w.ok()) {
            if (w.toAll()) {
                majorityOnly.add(w.shard());
            }
            LOG.warn(
                    "identity decider: write of identity key {} not confirmed ({}); trying again",
                    w.shard(),
                    w.detail());
            w.ops().forEach((id, labels) -> {
                if (stillWanted(id, labels)) {
                    dirty.computeIfAbsent(w.shard(), s -> new LinkedHashMap<>()).putIfAbsent(id, labels);
                }
            });
            if (w.toAll()) {
                onFlush();
            } else {
                timers.startSingleTimer(RETRY_TIMER, new Flush(), WRITE_RETRY);
            }
            return Behaviors.same();
        }
        w.ops().forEach((id, labels) -> {
            if (labels != null) {
                if (book.labelsOf(id).map(l -> l.toString().equals(labels)).orElse(false)) {
                    writing.remove(id);
                    book.written(id);
                    for (ActorRef<IdentitiesGranted> r :
                            take(waiters, book.labelsOf(id).orElseThrow())) {
                        grant(r, new IdentityGranted(labels, id, ""));
                    }
                }
            } else if (book.stateOf(id).orElse(null) == IdentityBook.State.RELEASING) {
                LabelSet set = book.labelsOf(id).orElseThrow();
                book.released(id);
                LOG.debug("identity {} released ({})", id, set);
                for (ActorRef<IdentitiesGranted> r : take(deferred, set)) {
                    allocate(set, set.toString(), r);
                }
            }
        });
        sendGrants();
        if (dirty.containsKey(w.shard())) {
            flushSoon();
        }
        return Behaviors.same();
    }

    /** Whether a failed change still says what the book wants (a later change may have replaced it). */
    private boolean stillWanted(int id, String labels) {
        Optional<IdentityBook.State> state = book.stateOf(id);
        if (labels == null) {
            return state.isEmpty() || state.get() == IdentityBook.State.RELEASING;
        }
        return book.labelsOf(id).map(l -> l.toString().equals(labels)).orElse(false)
                && state.get() != IdentityBook.State.RELEASING;
    }

    /** Entries the book does not have are written over (the book has the number) or removed (it has not). */
    private Behavior<Command> onTableChanged(TableChanged changed) {
        // Only what changed since the shard's last notification is checked: a notification carries the whole
        // shard, and a busy table changes every shard at every tick.
        Map<Integer, IdentityEntry> before = checked.getOrDefault(changed.shard(), Map.of());
        checked.put(changed.shard(), changed.entries());
        changed.entries().forEach((id, entry) -> {
            if (entry.equals(before.get(id))) {
                return;
            }
            Optional<LabelSet> labels = parse(entry.labels());
            if (labels.isPresent() && !book.isStale(id, labels.get())) {
                return;
            }
            Optional<IdentityBook.State> state = book.stateOf(id);
            if (state.isEmpty()) {
                LOG.info("identity decider: removing table entry {} = {} that it never confirmed", id, entry.labels());
                change(id, null);
            } else if (state.get() == IdentityBook.State.HELD) {
                change(id, book.labelsOf(id).orElseThrow().toString());
            }
            // WRITING: its own put is under way; RELEASING: its removal is.
        });
        return Behaviors.same();
    }

    private Behavior<Command> onUsesChanged(UsesChanged changed) {
        uses.put(changed.shard(), changed.entries());
        return Behaviors.same();
    }

    private Behavior<Command> onReleaseCheck() {
        Set<String> members = new HashSet<>();
        for (Member m : Cluster.get(ctx.getSystem()).state().getMembers()) {
            members.add(IdentityKeys.node(m.uniqueAddress()));
        }
        Set<Integer> inUse = new HashSet<>();
        uses.values()
                .forEach(shard -> shard.forEach((node, u) -> {
                    if (members.contains(node)) {
                        for (int i = 0; i < u.size(); i++) {
                            inUse.add(u.id(i));
                        }
                    }
                }));
        List<Integer> released =
                book.releasable(inUse, nowMillis(), settings.releaseGrace().toMillis());
        if (!released.isEmpty()) {
            LOG.info(
                    "identity decider: releasing {} identities unused for {}",
                    released.size(),
                    settings.releaseGrace());
            released.forEach(id -> change(id, null));
        }
        return Behaviors.same();
    }

    private static Optional<LabelSet> parse(String text) {
        try {
            return Optional.of(LabelSet.parse(text));
        } catch (LabelException e) {
            LOG.warn("identity table entry with labels that do not parse: {}", e.getMessage());
            return Optional.empty();
        }
    }

    private static List<ActorRef<IdentitiesGranted>> take(
            Map<LabelSet, List<ActorRef<IdentitiesGranted>>> from, LabelSet l) {
        List<ActorRef<IdentitiesGranted>> refs = from.remove(l);
        return refs == null ? List.of() : refs;
    }
}
