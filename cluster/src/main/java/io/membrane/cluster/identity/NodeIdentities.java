package io.membrane.cluster.identity;

import io.membrane.actors.identity.Identity;
import io.membrane.actors.identity.IdentityUnavailableException;
import io.membrane.actors.identity.LabelException;
import io.membrane.actors.identity.LabelSet;
import io.membrane.cluster.ddata.LwwDotMap;
import io.membrane.cluster.ddata.ReplicasKnown;
import io.membrane.cluster.ddata.Replication;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's side of the identities: the one actor that asks the decider, holds this node's uses and publishes
 * them, and mirrors the replicated table into {@link ClusterIdentities}' snapshot (which any thread reads).
 *
 * <p>An acquire of a label set this node already holds adds the holder here. Any other goes to the decider through
 * the singleton proxy, which drops messages while no decider runs and delivers at most once: the request is sent
 * again every {@link IdentitySettings#tryTimeout} until the decider answers or {@link IdentitySettings#deadline}
 * passes, and then the callers hear {@link IdentityUnavailableException}. Asking again is safe: the same labels get
 * the same number. One request is under way per label set, whatever the number of callers.
 *
 * <p>Uses: the numbers with at least one holder, published under this node's unique address in the use keys
 * (WriteAll, falling back to gossip when a member does not answer), {@link #PUBLISH_DELAY} after they change, one
 * write per key at a time (what changes meanwhile goes in the next). Uses only decide releases, which wait a grace
 * period of minutes, so they are gathered for long enough that a burst of allocations is a few writes.
 */
public final class NodeIdentities {
    private static final Logger LOG = LoggerFactory.getLogger(NodeIdentities.class);

    /** Published use changes are gathered for this long before they are written. */
    static final java.time.Duration PUBLISH_DELAY = java.time.Duration.ofMillis(100);

    /** Label sets per message to the decider: a few tens of KiB, well inside Artery's frame. */
    static final int MAX_ASK = 500;

    public sealed interface Command permits Acquire, Hold, Release, IdentitiesGranted, Internal {}

    /** From {@link ClusterIdentities#acquire}: completes {@code result}. */
    record Acquire(LabelSet labels, String holder, CompletableFuture<Identity> result) implements Command {}

    /** From {@link ClusterIdentities#hold}: {@code identity} is in this node's table. */
    record Hold(Identity identity, String holder, CompletableFuture<Identity> result) implements Command {}

    record Release(int id, String holder) implements Command {}

    private sealed interface Internal extends Command
            permits Retry, AskNow, ReadTable, TableChanged, TableRead, UsesChanged, Publish, Published {}

    private record Retry(LabelSet labels) implements Internal {}

    private record AskNow() implements Internal {}

    /** This node is Up and its replicator knows every member: the start-up read of the table can begin. */
    private record ReadTable() implements Internal {}

    private record TableChanged(int shard, Map<Integer, IdentityEntry> entries) implements Internal {}

    /** A start-up read of a table key; {@code entries} null when it brought nothing (not found, or timed out). */
    private record TableRead(int shard, Map<Integer, IdentityEntry> entries) implements Internal {}

    private record UsesChanged(int shard, Map<String, IdentityUses> entries) implements Internal {}

    private record Publish() implements Internal {}

    private record Published(int shard, boolean ok) implements Internal {}

    /** Callers waiting for the decider's answer on one label set. */
    private static final class Asking {
        final long deadline;
        /** How many times the decider was asked; each retry waits twice as long as the last, up to 8 tries' worth. */
        int tries;

        final List<Acquire> callers = new ArrayList<>();

        Asking(long deadline) {
            this.deadline = deadline;
        }
    }

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ReplicatorMessageAdapter<Command, LwwDotMap<String, IdentityUses>> uses;
    private final ActorRef<IdentityDecider.Command> decider;
    private final ClusterIdentities snapshot;
    private final IdentitySettings settings;
    private final String nodeName;
    private final String selfKey;
    private final SelfUniqueAddress self;
    private final String replyTo;

    /** Holders of each number this node uses. */
    private final Map<Integer, Set<String>> holders = new HashMap<>();

    private final Map<LabelSet, Integer> heldByLabels = new HashMap<>();
    private final Map<LabelSet, Asking> asking = new HashMap<>();
    private final Map<Integer, Map<Integer, LabelSet>> tableShards = new HashMap<>();
    /** Each table key's entries as last notified, to tell which changed. */
    private final Map<Integer, Map<Integer, IdentityEntry>> rawShards = new HashMap<>();

    /** Label sets to ask the decider for in the next message, and whether that message is on its way. */
    private final Set<LabelSet> toAsk = new java.util.LinkedHashSet<>();

    private boolean askSent;
    /** The start-up read: when it began, and how many table keys have answered. */
    private long tableReadStarted;

    private int tableReads;
    private final Set<Integer> dirtyUseShards = new TreeSet<>();
    /** Use keys whose write is under way. */
    private final Set<Integer> publishing = new HashSet<>();

    private NodeIdentities(
            ActorContext<Command> ctx,
            TimerScheduler<Command> timers,
            ReplicatorMessageAdapter<Command, LwwDotMap<String, IdentityUses>> uses,
            ActorRef<IdentityDecider.Command> decider,
            ClusterIdentities snapshot,
            IdentitySettings settings,
            String nodeName) {
        this.ctx = ctx;
        this.timers = timers;
        this.uses = uses;
        this.decider = decider;
        this.snapshot = snapshot;
        this.settings = settings;
        this.nodeName = nodeName;
        this.self = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
        this.selfKey = IdentityKeys.node(self.uniqueAddress());
        this.replyTo = ActorRefResolver.get(ctx.getSystem()).toSerializationFormat(ctx.getSelf());
    }

    static Behavior<Command> create(
            ActorRef<IdentityDecider.Command> decider,
            ClusterIdentities snapshot,
            IdentitySettings settings,
            String nodeName) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LwwDotMap<String, IdentityUses>> uses) -> {
                    IdentityKeys.subscribeAll(ctx, TableChanged::new, UsesChanged::new);
                    ctx.spawnAnonymous(ReplicasKnown.create(ctx.getSelf(), new ReadTable()));
                    return new NodeIdentities(ctx, timers, uses, decider, snapshot, settings, nodeName).running();
                })));
    }

    /**
     * Reads every table key from a majority once, as soon as the replicator knows the members (before, a majority is
     * this node alone): a node that joins a cluster holding a large table has it in a second instead of waiting for
     * gossip (one key exchange every two seconds, see reference.conf). A key read that fails is left to gossip and
     * the subscription.
     */
    @SuppressWarnings("unchecked")
    private Behavior<Command> onReadTable() {
        tableReadStarted = System.nanoTime();
        ActorRef<Replicator.Command> replicator =
                DistributedData.get(ctx.getSystem()).replicator();
        for (int s = 0; s < IdentityKeys.TABLE_SHARDS; s++) {
            int shard = s;
            ctx.ask(
                    Replicator.GetResponse.class,
                    replicator,
                    Replication.READ_TIMEOUT.plusSeconds(1),
                    r -> new Replicator.Get<>(
                            IdentityKeys.table(shard),
                            new Replicator.ReadMajority(Replication.READ_TIMEOUT),
                            (ActorRef<Replicator.GetResponse<LwwDotMap<Integer, IdentityEntry>>>) (ActorRef<?>) r),
                    (rsp, failure) -> new TableRead(
                            shard,
                            rsp instanceof Replicator.GetSuccess<?> g
                                    ? ((LwwDotMap<Integer, IdentityEntry>) g.dataValue()).getEntries()
                                    : null));
        }
        return Behaviors.same();
    }

    private Behavior<Command> running() {
        return Behaviors.receive(Command.class)
                .onMessage(Acquire.class, this::onAcquire)
                .onMessage(Hold.class, this::onHold)
                .onMessage(Release.class, this::onRelease)
                .onMessage(IdentitiesGranted.class, this::onGranted)
                .onMessage(Retry.class, this::onRetry)
                .onMessage(AskNow.class, a -> onAskNow())
                .onMessage(TableChanged.class, this::onTableChanged)
                .onMessage(ReadTable.class, r -> onReadTable())
                .onMessage(TableRead.class, this::onTableRead)
                .onMessage(UsesChanged.class, this::onUsesChanged)
                .onMessage(Publish.class, p -> onPublish())
                .onMessage(Published.class, this::onPublished)
                .build();
    }

    private Behavior<Command> onAcquire(Acquire acquire) {
        Integer id = heldByLabels.get(acquire.labels());
        if (id != null) {
            holders.get(id).add(acquire.holder());
            acquire.result().complete(new Identity(id, acquire.labels()));
            return Behaviors.same();
        }
        Asking a = asking.get(acquire.labels());
        if (a == null) {
            a = new Asking(System.nanoTime() + settings.deadline().toNanos());
            asking.put(acquire.labels(), a);
            ask(acquire.labels());
        }
        a.callers.add(acquire);
        return Behaviors.same();
    }

    /**
     * Asks the decider (again). The wait before the next try doubles, up to eight times the first: a decider that is
     * only slow (a large batch) must not be asked again for everything at every try, which would slow it further.
     */
    private void ask(LabelSet labels) {
        Asking a = asking.get(labels);
        int tries = a == null ? 0 : a.tries++;
        toAsk.add(labels);
        if (!askSent) {
            // After whatever is already in the mailbox: label sets asked for together go in one message.
            askSent = true;
            ctx.getSelf().tell(new AskNow());
        }
        timers.startSingleTimer(
                labels, new Retry(labels), settings.tryTimeout().multipliedBy(1L << Math.min(tries, 3)));
    }

    private Behavior<Command> onAskNow() {
        askSent = false;
        List<String> batch = new ArrayList<>();
        for (LabelSet labels : toAsk) {
            batch.add(labels.toString());
            if (batch.size() == MAX_ASK) {
                decider.tell(new AllocateIdentities(batch, replyTo));
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            decider.tell(new AllocateIdentities(batch, replyTo));
        }
        toAsk.clear();
        return Behaviors.same();
    }

    private Behavior<Command> onRetry(Retry retry) {
        Asking a = asking.get(retry.labels());
        if (a == null) {
            return Behaviors.same();
        }
        if (System.nanoTime() - a.deadline < 0) {
            ask(retry.labels());
            return Behaviors.same();
        }
        asking.remove(retry.labels());
        IdentityUnavailableException e = new IdentityUnavailableException("no identity decider answered within "
                + settings.deadline().toSeconds() + " s for " + retry.labels()
                + " (its node may have just died and not be downed yet, or no majority is reachable); nothing"
                + " was allocated, try again");
        LOG.warn(e.getMessage());
        a.callers.forEach(c -> c.result().completeExceptionally(e));
        return Behaviors.same();
    }

    private Behavior<Command> onGranted(IdentitiesGranted granted) {
        granted.grants().forEach(this::granted);
        return Behaviors.same();
    }

    private void granted(IdentityGranted granted) {
        LabelSet labels;
        try {
            labels = LabelSet.parse(granted.labels());
        } catch (LabelException e) {
            return;
        }
        Asking a = asking.remove(labels);
        if (a == null) {
            return; // a second answer to a request sent again
        }
        timers.cancel(labels);
        if (!granted.error().isEmpty()) {
            IdentityUnavailableException e = new IdentityUnavailableException(granted.error());
            a.callers.forEach(c -> c.result().completeExceptionally(e));
            return;
        }
        int id = granted.id();
        Identity identity = new Identity(id, labels);
        Set<String> set = holders.computeIfAbsent(id, i -> new HashSet<>());
        heldByLabels.put(labels, id);
        a.callers.forEach(c -> set.add(c.holder()));
        snapshot.learned(identity);
        publishSoon(id);
        a.callers.forEach(c -> c.result().complete(identity));
    }

    /**
     * A use of a number the table names for these labels, held without asking the decider (see {@link
     * ClusterIdentities#hold}); a label set this node holds under another number, or asks for, goes the usual way.
     */
    private Behavior<Command> onHold(Hold hold) {
        Identity identity = hold.identity();
        Integer held = heldByLabels.get(identity.labels());
        if ((held != null && held != identity.id()) || asking.containsKey(identity.labels())) {
            return onAcquire(new Acquire(identity.labels(), hold.holder(), hold.result()));
        }
        Set<String> set = holders.computeIfAbsent(identity.id(), i -> new HashSet<>());
        if (set.isEmpty()) {
            heldByLabels.put(identity.labels(), identity.id());
            publishSoon(identity.id());
        }
        set.add(hold.holder());
        hold.result().complete(identity);
        return Behaviors.same();
    }

    private Behavior<Command> onRelease(Release release) {
        Set<String> set = holders.get(release.id());
        if (set != null && set.remove(release.holder()) && set.isEmpty()) {
            holders.remove(release.id());
            heldByLabels.values().remove(release.id());
            publishSoon(release.id());
        }
        return Behaviors.same();
    }

    private void publishSoon(int id) {
        dirtyUseShards.add(IdentityKeys.useShard(id));
        if (!timers.isTimerActive("publish")) {
            timers.startSingleTimer("publish", new Publish(), PUBLISH_DELAY);
        }
    }

    private Behavior<Command> onPublish() {
        // The keys to write now: changed, and none of their writes under way (those are written when confirmed).
        Set<Integer> now = new HashSet<>(dirtyUseShards);
        now.removeAll(publishing);
        if (now.isEmpty()) {
            return Behaviors.same();
        }
        dirtyUseShards.removeAll(now);
        publishing.addAll(now);
        Map<Integer, List<Integer>> byShard = new HashMap<>();
        holders.keySet().forEach(id -> {
            int shard = IdentityKeys.useShard(id);
            if (now.contains(shard)) {
                byShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(id);
            }
        });
        for (int shard : now) {
            int[] ids = byShard.getOrDefault(shard, List.of()).stream()
                    .mapToInt(Integer::intValue)
                    .toArray();
            IdentityUses value = new IdentityUses(nodeName, ids);
            uses.askUpdate(
                    r -> new Replicator.Update<>(
                            IdentityKeys.uses(shard),
                            LwwDotMap.empty(),
                            new Replicator.WriteAll(settings.writeTimeout()),
                            r,
                            m -> m.put(self, selfKey, value)),
                    rsp -> new Published(shard, rsp instanceof Replicator.UpdateSuccess));
        }
        return Behaviors.same();
    }

    private Behavior<Command> onPublished(Published published) {
        publishing.remove(published.shard());
        if (!published.ok()) {
            // Gossip brings it to the member that did not answer; the value is written again with the next change.
            LOG.debug("use key {} not confirmed by every member", published.shard());
        }
        if (dirtyUseShards.contains(published.shard()) && !timers.isTimerActive("publish")) {
            timers.startSingleTimer("publish", new Publish(), PUBLISH_DELAY);
        }
        return Behaviors.same();
    }

    /**
     * A start-up read counts only for a key not notified yet: its value is the majority's merged with this replica
     * as it was when the read began, so it may be older than a notification that came meanwhile; and the read
     * repairs this replica, whose notification then brings the whole.
     */
    private Behavior<Command> onTableRead(TableRead read) {
        if (read.entries() != null && !rawShards.containsKey(read.shard())) {
            onTableChanged(new TableChanged(read.shard(), read.entries()));
        }
        if (++tableReads == IdentityKeys.TABLE_SHARDS) {
            LOG.info(
                    "read the identity table from a majority: {} cluster identities in {} ms",
                    snapshot.size(),
                    (System.nanoTime() - tableReadStarted) / 1_000_000);
        }
        return Behaviors.same();
    }

    private Behavior<Command> onTableChanged(TableChanged changed) {
        // A notification carries the whole shard: only entries that changed since the last one are parsed.
        Map<Integer, IdentityEntry> rawBefore = rawShards.getOrDefault(changed.shard(), Map.of());
        Map<Integer, LabelSet> parsedBefore = tableShards.getOrDefault(changed.shard(), Map.of());
        Map<Integer, LabelSet> next = new HashMap<>();
        changed.entries().forEach((id, e) -> {
            LabelSet known = parsedBefore.get(id);
            if (known != null && e.equals(rawBefore.get(id))) {
                next.put(id, known);
                return;
            }
            try {
                next.put(id, LabelSet.parse(e.labels()));
            } catch (LabelException x) {
                LOG.warn("identity {} in the table has labels that do not parse: {}", id, x.getMessage());
            }
        });
        rawShards.put(changed.shard(), changed.entries());
        Map<Integer, LabelSet> before = tableShards.put(changed.shard(), next);
        snapshot.replaceShard(before == null ? Map.of() : before, next);
        return Behaviors.same();
    }

    private Behavior<Command> onUsesChanged(UsesChanged changed) {
        snapshot.replaceUses(changed.shard(), changed.entries());
        return Behaviors.same();
    }
}
