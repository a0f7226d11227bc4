package io.membrane.cluster.ipcache;

import io.membrane.actors.identity.Identity;
import io.membrane.actors.identity.IdentityAllocator;
import io.membrane.actors.identity.IdentityScope;
import io.membrane.actors.identity.IdentityUnavailableException;
import io.membrane.actors.identity.LabelSet;
import io.membrane.actors.ipcache.IpCache;
import io.membrane.actors.ipcache.IpCacheEntry;
import io.membrane.actors.ipcache.IpCacheException;
import io.membrane.cluster.MembersSeen;
import io.membrane.cluster.NodeRegistry;
import io.membrane.cluster.ddata.CidrShards;
import io.membrane.cluster.ddata.LwwDotMap;
import io.membrane.cluster.ddata.LwwDotMapKey;
import io.membrane.cluster.ddata.ReplicasKnown;
import io.membrane.cluster.ddata.Replication;
import io.membrane.cluster.wire.IpClaim;
import io.membrane.cluster.wire.NodeInfo;
import io.membrane.maps.net.Cidr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.BehaviorBuilder;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge between the ipcache claims in Distributed Data and this node's IpCache actor, the only writer of the
 * map. Claims are {@link IpClaim}s in {@code LwwDotMap}s over two fixed sets of {@value #SHARDS} keys, a CIDR's shard
 * by {@link CidrShards#ofBlock} (many small keys, as deltas are off and a write carries a key's whole value; neighbours
 * share one, so a batch of a range is a few writes):
 * <ul>
 *   <li>{@code ipcache-ext-NNN}, the external entries ({@code PUT /v1/ip/{cidr}}), keyed by CIDR: the cluster's, not
 *       the writer's, so they outlive the node that wrote them; durable (LMDB, reference.conf), like the deny list;
 *   <li>{@code ipcache-node-NNN}, the entries nodes own (their endpoints' addresses), keyed by CIDR and owner, so
 *       two nodes' claims on one address are both seen; not durable (a node that starts republishes its own). The
 *       entries of a node that is no member (down, removed) are ignored at once, and every survivor removes them
 *       from Distributed Data when the node is removed (the same removal, idempotent).
 * </ul>
 *
 * <p>Writes go to every node (WriteAll) while every member is reachable, falling back to a majority when WriteAll
 * is not acknowledged in time; a reply means a majority has the change, and it is in this node's map. Every node
 * passes the union of the claims it sees to its IpCache, which resolves two claims on one CIDR by
 * {@link IpCacheEntry#PRECEDENCE} — from replicated data alone, so every node picks the same winner. The nodes of the
 * registry (with this node named) become the IpCache's node entries.
 *
 * <p>Identity uses: every node acquires the identity of every external entry it sees, for the holder
 * {@code ip:<cidr>}, and releases it when the entry goes or changes, so the number stays in use while the entry
 * exists anywhere, whoever wrote or deletes it.
 *
 * <p>Phases, as {@link io.membrane.cluster.PrefilterReplication}'s: <b>awaiting-up</b> until this node is Up and
 * its replicator knows every Up member; <b>reading</b> every key with ReadMajority, mirroring the claims of the
 * shards read (the IpCache removes nothing yet); <b>serving</b> once every key is read and the registry names this
 * node: one full Reconcile, then changes as they come. Requests that come before serving wait (stashed) for it.
 */
public final class IpCacheReplication {
    private static final Logger LOG = LoggerFactory.getLogger(IpCacheReplication.class);

    static final int SHARDS = 256;
    static final String EXTERNAL_PREFIX = "ipcache-ext-";
    static final String NODE_PREFIX = "ipcache-node-";

    /** How long the IpCache may take over one request (a Reconcile of every entry included). */
    static final Duration IPCACHE_TIMEOUT = Duration.ofSeconds(30);
    /** A use of an external entry's identity that could not be acquired is tried again this much later. */
    static final Duration ACQUIRE_RETRY = Duration.ofSeconds(2);
    /** How long serving waits for the registry to name this node once every key is read. */
    static final Duration REGISTRY_WAIT = Duration.ofSeconds(10);

    static final int STASH = 10_000;

    private static final String READY_TIMER = "ready";
    private static final String HOLDS_TIMER = "holds";

    private static final List<Key<LwwDotMap<String, IpClaim>>> EXTERNAL_KEYS = keys(EXTERNAL_PREFIX);
    private static final List<Key<LwwDotMap<String, IpClaim>>> NODE_KEYS = keys(NODE_PREFIX);

    public sealed interface Command permits PutExternal, PutExternalBatch, DeleteExternal, PublishOwn, Internal {}

    /** PUT /v1/ip/{cidr}: answered with {@link IpCache.Published} or a refusal. */
    public record PutExternal(Cidr cidr, LabelSet labels, ActorRef<IpCache.Result> replyTo) implements Command {}

    /** One external entry of a batch. */
    public record ExternalEntry(Cidr cidr, LabelSet labels) {}

    /**
     * PATCH /v1/ip: many external entries at once, all or nothing — every identity is acquired first (the decider
     * writes a batch of new numbers per key at once), then each touched key is written once. Answered with {@link
     * IpCache.Applied} counting the entries, or a refusal (nothing published; what was acquired for it released).
     * CIDRs must be distinct.
     */
    public record PutExternalBatch(List<ExternalEntry> entries, ActorRef<IpCache.Result> replyTo) implements Command {
        public PutExternalBatch {
            entries = List.copyOf(entries);
        }
    }

    /** DELETE /v1/ip/{cidr}: answered with {@link IpCache.Applied} (1: there was an entry; 0: none). */
    public record DeleteExternal(Cidr cidr, ActorRef<IpCache.Result> replyTo) implements Command {}

    /** This node's own entries: {@code entries} published (CIDR to identity), {@code withdrawn} removed. */
    public record PublishOwn(Map<Cidr, Integer> entries, Set<Cidr> withdrawn, ActorRef<IpCache.Result> replyTo)
            implements Command {}

    private sealed interface Internal extends Command
            permits MembersKnown,
                    RegistryPoll,
                    ReadKey,
                    KeyRead,
                    KeyChanged,
                    RegistryChanged,
                    MembersChanged,
                    Mirrored,
                    PutAcquired,
                    BatchAcquired,
                    HoldAcquired,
                    RetryHolds,
                    Written,
                    LocalRead {}

    /** This node is Up and its replicator counts every Up member: the start-up read can begin. */
    private record MembersKnown() implements Internal {}

    /** While reading: whether the read is complete and the registry names this node yet. */
    private record RegistryPoll() implements Internal {}

    /** {@code identities} in the order of the batch's entries; {@code failure} null if every acquire succeeded. */
    private record BatchAcquired(PutExternalBatch put, List<Identity> identities, Throwable failure)
            implements Internal {}

    private record ReadKey(Key<LwwDotMap<String, IpClaim>> key) implements Internal {}

    /** The start-up read of one key; {@code ok} false: failed, try again. */
    private record KeyRead(Key<LwwDotMap<String, IpClaim>> key, boolean ok, Map<String, IpClaim> value)
            implements Internal {}

    private record KeyChanged(Key<LwwDotMap<String, IpClaim>> key, Map<String, IpClaim> value) implements Internal {}

    private record RegistryChanged(Map<String, NodeInfo> nodes) implements Internal {}

    private record MembersChanged(ClusterEvent.MemberEvent event) implements Internal {}

    /** The IpCache's answer; {@code then} (may be null) hears {@code reply} once the map holds the change. */
    /** {@code counted}: the answer to one of this actor's own mirror requests (not to SetNodes). */
    private record Mirrored(IpCache.Result result, ActorRef<IpCache.Result> then, IpCache.Result reply, boolean counted)
            implements Internal {}

    private record PutAcquired(PutExternal put, Identity identity, Throwable failure) implements Internal {}

    private record HoldAcquired(Cidr cidr, int wanted, Identity identity, Throwable failure) implements Internal {}

    private record RetryHolds() implements Internal {}

    /** {@code toAll}: a WriteAll, whose timeout falls back to a majority write. */
    private record Written(long request, Key<LwwDotMap<String, IpClaim>> key, boolean toAll, boolean ok, String detail)
            implements Internal {}

    /** A written key read back from the local replica. */
    private record LocalRead(long request, Key<LwwDotMap<String, IpClaim>> key, Map<String, IpClaim> value)
            implements Internal {}

    /** A request waiting for its key writes (then for reading them back). */
    private static final class PendingWrite {
        final ActorRef<IpCache.Result> replyTo;
        final IpCache.Result onSuccess;
        /** What a failed write must undo (an identity acquired for nothing), or null. */
        final Runnable onFailure;

        final List<Key<LwwDotMap<String, IpClaim>>> keys;
        int outstanding;
        final List<String> failures = new ArrayList<>();

        PendingWrite(
                ActorRef<IpCache.Result> replyTo,
                IpCache.Result onSuccess,
                Runnable onFailure,
                List<Key<LwwDotMap<String, IpClaim>>> keys) {
            this.replyTo = replyTo;
            this.onSuccess = onSuccess;
            this.onFailure = onFailure;
            this.keys = keys;
            this.outstanding = keys.size();
        }
    }

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final StashBuffer<Command> stash;
    private final ReplicatorMessageAdapter<Command, LwwDotMap<String, IpClaim>> replicator;
    private final SelfUniqueAddress selfUnique;
    private final String selfName;
    private final String selfAddress;
    private final ActorRef<IpCache.Command> ipcache;
    private final IdentityAllocator identities;

    /** Each key's value as last heard, by key id. */
    private final Map<String, Map<String, IpClaim>> values = new HashMap<>();
    /** Keys read from a majority at start. */
    private final Set<String> heard = new HashSet<>();
    /** Keys whose value has come in a change notification (a read's older answer then only says "heard"). */
    private final Set<String> notified = new HashSet<>();

    private Map<String, NodeInfo> registry = Map.of();
    /** Whose node-owned claims count, as this actor's subscription reports the membership. */
    private final MembersSeen members = new MembersSeen();

    private List<IpCache.NodeAddresses> nodesSent;
    /** CIDRs whose claims may differ from what the IpCache was last given. */
    private final Set<Cidr> dirty = new HashSet<>();
    /** The IpCache is to be given every claim at the next mirror (first time, after a failure, membership). */
    private boolean fullNeeded = true;

    /** Mirror requests sent to the IpCache and not answered yet, and whether changes came meanwhile. */
    private int mirrorsInFlight;

    private boolean mirrorWanted;

    private boolean serving;
    /** Serving has begun, and every external entry's identity is held once its first reconcile is answered. */
    private boolean holdAllAfterMirror;

    private long readStarted;
    /** The identity each external entry's use is held for on this node, by CIDR. */
    private final Map<Cidr, Integer> held = new HashMap<>();
    /** CIDRs whose use is being acquired now. */
    private final Set<Cidr> acquiring = new HashSet<>();

    private final Map<Long, PendingWrite> pending = new HashMap<>();
    /** Confirmed requests whose keys are being read back. */
    private final Map<Long, PendingWrite> readingBack = new HashMap<>();

    private long nextRequest = 1;

    private IpCacheReplication(
            ActorContext<Command> ctx,
            TimerScheduler<Command> timers,
            StashBuffer<Command> stash,
            ReplicatorMessageAdapter<Command, LwwDotMap<String, IpClaim>> replicator,
            String selfName,
            ActorRef<IpCache.Command> ipcache,
            IdentityAllocator identities) {
        this.ctx = ctx;
        this.timers = timers;
        this.stash = stash;
        this.replicator = replicator;
        this.selfName = selfName;
        this.ipcache = ipcache;
        this.identities = identities;
        this.selfUnique = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
        this.selfAddress = Cluster.get(ctx.getSystem()).selfMember().address().toString();
    }

    /**
     * @param selfName   this node's name in the registry (the owner of its entries)
     * @param ipcache    the actor that writes the map
     * @param identities this node's allocator: the uses of the external entries' identities
     */
    public static Behavior<Command> create(
            String selfName, ActorRef<IpCache.Command> ipcache, IdentityAllocator identities) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> Behaviors.withStash(
                STASH,
                stash -> DistributedData.withReplicatorMessageAdapter(
                        (ReplicatorMessageAdapter<Command, LwwDotMap<String, IpClaim>> claims) ->
                                DistributedData.withReplicatorMessageAdapter(
                                        (ReplicatorMessageAdapter<Command, LWWMap<String, NodeInfo>> nodes) -> {
                                            subscribe(ctx, claims, nodes);
                                            ctx.spawnAnonymous(ReplicasKnown.create(ctx.getSelf(), new MembersKnown()));
                                            return new IpCacheReplication(
                                                            ctx, timers, stash, claims, selfName, ipcache, identities)
                                                    .awaitingUp();
                                        })))));
    }

    /**
     * Every claim key, the node registry and the membership: what this actor hears of without asking. Typed message
     * adapters are per message class, so both replicator adapters' change notifications come through the one
     * function registered last: the same one for both, which tells them apart by key.
     */
    private static void subscribe(
            ActorContext<Command> ctx,
            ReplicatorMessageAdapter<Command, LwwDotMap<String, IpClaim>> claims,
            ReplicatorMessageAdapter<Command, LWWMap<String, NodeInfo>> nodes) {
        for (Key<LwwDotMap<String, IpClaim>> key : allKeys()) {
            claims.subscribe(key, IpCacheReplication::notification);
        }
        nodes.subscribe(NodeRegistry.KEY, IpCacheReplication::notification);
        ActorRef<ClusterEvent.MemberEvent> events =
                ctx.messageAdapter(ClusterEvent.MemberEvent.class, MembersChanged::new);
        Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(events, ClusterEvent.MemberEvent.class));
    }

    @SuppressWarnings("unchecked")
    private static Command notification(Replicator.SubscribeResponse<?> rsp) {
        if (rsp.key().equals(NodeRegistry.KEY)) {
            return new RegistryChanged(
                    rsp instanceof Replicator.Changed<?> c
                            ? ((LWWMap<String, NodeInfo>) c.dataValue()).getEntries()
                            : Map.of());
        }
        return new KeyChanged(
                (Key<LwwDotMap<String, IpClaim>>) rsp.key(),
                rsp instanceof Replicator.Changed<?> c
                        ? ((LwwDotMap<String, IpClaim>) c.dataValue()).getEntries()
                        : Map.of());
    }

    private static List<Key<LwwDotMap<String, IpClaim>>> keys(String prefix) {
        return IntStream.range(0, SHARDS)
                .<Key<LwwDotMap<String, IpClaim>>>mapToObj(s -> LwwDotMapKey.create(String.format("%s%03d", prefix, s)))
                .toList();
    }

    private static List<Key<LwwDotMap<String, IpClaim>>> allKeys() {
        List<Key<LwwDotMap<String, IpClaim>>> all = new ArrayList<>(EXTERNAL_KEYS);
        all.addAll(NODE_KEYS);
        return all;
    }

    static int shardOf(Cidr cidr) {
        return CidrShards.ofBlock(cidr, SHARDS);
    }

    /** The key of a node-owned entry in its shard's map. */
    static String ownedKey(Cidr cidr, String node) {
        return cidr + "|" + node;
    }

    // --- phases ---

    /** What every phase does: record what the replicator and the registry report, and mirror it. */
    private BehaviorBuilder<Command> mirroring() {
        return Behaviors.receive(Command.class)
                .onMessage(KeyChanged.class, this::onKeyChanged)
                .onMessage(RegistryChanged.class, this::onRegistryChanged)
                .onMessage(Mirrored.class, this::onMirrored);
    }

    private Behavior<Command> awaitingUp() {
        return mirroring()
                .onMessage(MembersKnown.class, k -> onMembersKnown())
                .onMessage(MembersChanged.class, this::onMembersSeen)
                .onMessage(Command.class, this::stashed)
                .build();
    }

    private Behavior<Command> reading() {
        return mirroring()
                .onMessage(ReadKey.class, this::onReadKey)
                .onMessage(KeyRead.class, this::onKeyRead)
                .onMessage(MembersChanged.class, this::onMembersSeen)
                .onMessage(HoldAcquired.class, this::onHoldAcquired)
                .onMessage(RetryHolds.class, r -> onRetryHolds())
                .onMessage(RegistryPoll.class, u -> readIfDone())
                .onMessage(Command.class, this::stashed)
                .build();
    }

    private Behavior<Command> serving() {
        return mirroring()
                .onMessage(PutExternal.class, this::onPut)
                .onMessage(PutAcquired.class, this::onPutAcquired)
                .onMessage(PutExternalBatch.class, this::onPutBatch)
                .onMessage(BatchAcquired.class, this::onBatchAcquired)
                .onMessage(DeleteExternal.class, this::onDelete)
                .onMessage(PublishOwn.class, this::onPublishOwn)
                .onMessage(Written.class, this::onWritten)
                .onMessage(LocalRead.class, this::onLocalRead)
                .onMessage(MembersChanged.class, this::onMembersChanged)
                .onMessage(HoldAcquired.class, this::onHoldAcquired)
                .onMessage(RetryHolds.class, r -> onRetryHolds())
                .onMessage(RegistryPoll.class, u -> Behaviors.same())
                .onMessage(ReadKey.class, r -> Behaviors.same())
                .onMessage(KeyRead.class, r -> Behaviors.same())
                .build();
    }

    private Behavior<Command> stashed(Command c) {
        if (stash.isFull()) {
            LOG.warn("ipcache requests waiting for the start-up read: {} already; refusing {}", STASH, c);
            refuseEarly(c);
        } else {
            stash.stash(c);
        }
        return Behaviors.same();
    }

    private static void refuseEarly(Command c) {
        IpCache.Rejected no = new IpCache.Rejected(
                IpCacheException.Reason.NOT_CONFIRMED, "", "this node has not read the cluster's ipcache yet");
        if (c instanceof PutExternal p) {
            p.replyTo().tell(no);
        } else if (c instanceof PutExternalBatch b) {
            b.replyTo().tell(no);
        } else if (c instanceof DeleteExternal d) {
            d.replyTo().tell(no);
        } else if (c instanceof PublishOwn o) {
            o.replyTo().tell(no);
        }
    }

    // --- awaiting-up ---

    private Behavior<Command> onMembersKnown() {
        timers.startTimerWithFixedDelay(READY_TIMER, new RegistryPoll(), Replication.READY_POLL);
        readStarted = System.nanoTime();
        allKeys().forEach(k -> ctx.getSelf().tell(new ReadKey(k)));
        return reading();
    }

    // --- reading ---

    private Behavior<Command> onReadKey(ReadKey read) {
        Key<LwwDotMap<String, IpClaim>> key = read.key();
        replicator.askGet(
                replyTo -> new Replicator.Get<>(key, new Replicator.ReadMajority(Replication.READ_TIMEOUT), replyTo),
                rsp -> rsp instanceof Replicator.GetSuccess<LwwDotMap<String, IpClaim>> g
                        ? new KeyRead(key, true, g.get(key).getEntries())
                        : new KeyRead(key, rsp instanceof Replicator.NotFound, Map.of()));
        return Behaviors.same();
    }

    private Behavior<Command> onKeyRead(KeyRead read) {
        if (!read.ok()) {
            timers.startSingleTimer("read-" + read.key().id(), new ReadKey(read.key()), Replication.READ_RETRY);
            return Behaviors.same();
        }
        heard.add(read.key().id());
        // A change notification is the replica's own order: once one came, the read's answer may be older.
        if (!notified.contains(read.key().id())) {
            record(read.key(), read.value());
        }
        return readIfDone();
    }

    /** Serving once every key is read and the registry names this node (or has had {@link #REGISTRY_WAIT}). */
    private Behavior<Command> readIfDone() {
        if (heard.size() < 2 * SHARDS) {
            return Behaviors.same();
        }
        boolean registered = registry.containsKey(selfName);
        if (!registered && System.nanoTime() - readStarted < REGISTRY_WAIT.toNanos()) {
            return Behaviors.same(); // the ready poll comes back here
        }
        if (!registered) {
            LOG.warn(
                    "the node registry does not name {} after {} s; mirroring without its host entry",
                    selfName,
                    REGISTRY_WAIT.toSeconds());
        }
        timers.cancel(READY_TIMER);
        serving = true;
        fullNeeded = true;
        LOG.info(
                "read the cluster's ipcache: {} claims in {} ms",
                values.values().stream().mapToInt(Map::size).sum(),
                (System.nanoTime() - readStarted) / 1_000_000);
        sendNodes();
        mirror(null, null);
        // After the map is full, not beside it: a joining node holds 100,000 entries' identities, and on a small
        // node that work beside the reconcile delayed the map by a second. Nothing is released meanwhile: a number
        // stays in use for its grace period after every use went.
        holdAllAfterMirror = true;
        return stash.unstashAll(serving());
    }

    // --- every phase: what the replicator and the registry say ---

    private Behavior<Command> onKeyChanged(KeyChanged changed) {
        notified.add(changed.key().id());
        record(changed.key(), changed.value());
        return Behaviors.same();
    }

    /** A key's new value: the CIDRs whose claims changed become dirty, and the uses of external ones follow. */
    private void record(Key<LwwDotMap<String, IpClaim>> key, Map<String, IpClaim> value) {
        Map<String, IpClaim> before = values.getOrDefault(key.id(), Map.of());
        values.put(key.id(), value);
        Set<Cidr> changed = new HashSet<>();
        value.forEach((k, c) -> {
            if (!c.equals(before.get(k))) {
                cidrOf(c).ifPresent(changed::add);
            }
        });
        before.forEach((k, c) -> {
            if (!value.containsKey(k)) {
                cidrOf(c).ifPresent(changed::add);
            }
        });
        if (changed.isEmpty()) {
            return;
        }
        LOG.debug("{}: {} claims, {} CIDRs changed", key.id(), value.size(), changed.size());
        dirty.addAll(changed);
        // Not while reading: serving starts with every external entry's hold, and a joining node that held each
        // entry as its key came in asked the decider for every label set while it should be filling its map.
        if (key.id().startsWith(EXTERNAL_PREFIX) && serving) {
            syncHolds(changed);
        }
        // Not while reading either: serving starts with one full reconcile, and mirroring each key as it came in
        // made a joining node write its map twice. Nothing is missing meanwhile: a restarted node's pinned map keeps
        // its entries until that reconcile.
        if (serving) {
            mirrorSoon();
        }
    }

    private Behavior<Command> onRegistryChanged(RegistryChanged changed) {
        registry = Map.copyOf(changed.nodes());
        sendNodes();
        return Behaviors.same();
    }

    /** Before serving, membership is only recorded: the first full mirror counts it. */
    private Behavior<Command> onMembersSeen(MembersChanged changed) {
        members.apply(changed.event());
        return Behaviors.same();
    }

    private Behavior<Command> onMembersChanged(MembersChanged changed) {
        members.apply(changed.event());
        // Whose entries count changed, and only node-owned claims depend on membership: external ones outlive their
        // writer. A full compare here made every node walk every external entry whenever a node joined.
        for (Key<LwwDotMap<String, IpClaim>> key : NODE_KEYS) {
            values.getOrDefault(key.id(), Map.of()).values().forEach(c -> cidrOf(c)
                    .ifPresent(dirty::add));
        }
        sendNodes();
        mirrorSoon();
        String address = changed.event().member().address().toString();
        if (changed.event() instanceof ClusterEvent.MemberRemoved
                && !address.equals(selfAddress)
                && !members.hasMemberAt(address)) {
            removeOwnedBy(address);
        }
        return Behaviors.same();
    }

    /** Every survivor removes a removed node's entries from Distributed Data (the same removal, idempotent). */
    private void removeOwnedBy(String address) {
        for (Key<LwwDotMap<String, IpClaim>> key : NODE_KEYS) {
            List<String> gone = values.getOrDefault(key.id(), Map.of()).entrySet().stream()
                    .filter(e -> e.getValue().clusterAddress().equals(address))
                    .map(Map.Entry::getKey)
                    .toList();
            if (!gone.isEmpty()) {
                replicator.askUpdate(
                        r -> new Replicator.Update<>(
                                key,
                                LwwDotMap.empty(),
                                new Replicator.WriteMajority(Replication.WRITE_TIMEOUT),
                                r,
                                m -> {
                                    LwwDotMap<String, IpClaim> out = m;
                                    for (String k : gone) {
                                        out = out.remove(selfUnique, k);
                                    }
                                    return out;
                                }),
                        rsp -> new Written(0, key, false, rsp instanceof Replicator.UpdateSuccess, "cleanup"));
            }
        }
    }

    /** The registry's member nodes and their underlay addresses, to the IpCache when they changed. */
    private void sendNodes() {
        Set<String> memberAddresses = members.addresses();
        List<IpCache.NodeAddresses> nodes = new ArrayList<>();
        registry.values().stream()
                .filter(n -> memberAddresses.contains(n.clusterAddress()))
                .sorted(java.util.Comparator.comparing(NodeInfo::name))
                .forEach(n -> {
                    List<Cidr> addresses = new ArrayList<>();
                    try {
                        if (!n.underlay().isEmpty()) {
                            addresses.add(Cidr.parse(n.underlay()));
                        }
                    } catch (IllegalArgumentException e) {
                        LOG.debug("node {}: underlay '{}' is no address", n.name(), n.underlay());
                    }
                    nodes.add(new IpCache.NodeAddresses(n.name(), addresses, n.joinedAtMillis()));
                });
        if (nodes.equals(nodesSent)) {
            return;
        }
        nodesSent = nodes;
        ipcache.tell(new IpCache.SetNodes(
                selfName, nodes, ctx.messageAdapter(IpCache.Result.class, r -> new Mirrored(r, null, null, false))));
    }

    // --- mirroring ---

    /**
     * Mirrors now if no mirror request is under way, else once the last one is answered: changes that come while
     * the IpCache works are batched by that wait, not by a timer (a timer would add the scheduler's tick to every
     * change, a large part of what separates another node's write from this node's map).
     */
    private void mirrorSoon() {
        if (mirrorsInFlight == 0) {
            mirror(null, null);
        } else {
            mirrorWanted = true;
        }
    }

    /**
     * Brings the IpCache to the claims: in full once serving starts and after a failure,
     * otherwise the dirty CIDRs (before serving only those of shards read from a majority). {@code then} (may be
     * null) hears {@code reply} once the IpCache has the change.
     */
    private void mirror(ActorRef<IpCache.Result> then, IpCache.Result reply) {
        if (serving && fullNeeded) {
            fullNeeded = false;
            dirty.clear();
            List<IpCacheEntry> all = new ArrayList<>();
            for (int s = 0; s < SHARDS; s++) {
                all.addAll(claims(s, null));
            }
            askIpCache(r -> new IpCache.Reconcile(all, r), then, reply);
            return;
        }
        Map<Cidr, List<IpCacheEntry>> adjust = new HashMap<>();
        // Each dirty shard's claims are read once, not once per dirty CIDR: a batch dirties hundreds per shard.
        Map<Integer, Map<Cidr, List<IpCacheEntry>>> byShard = new HashMap<>();
        for (java.util.Iterator<Cidr> it = dirty.iterator(); it.hasNext(); ) {
            Cidr c = it.next();
            int s = shardOf(c);
            if (serving
                    || (heard.contains(EXTERNAL_KEYS.get(s).id())
                            && heard.contains(NODE_KEYS.get(s).id()))) {
                adjust.put(c, byShard.computeIfAbsent(s, this::claimsByCidr).getOrDefault(c, List.of()));
                it.remove();
            }
        }
        if (!adjust.isEmpty() || then != null) {
            askIpCache(r -> new IpCache.Adjust(adjust, r), then, reply);
        }
    }

    /** The claims of shard {@code s} that count, by CIDR. */
    private Map<Cidr, List<IpCacheEntry>> claimsByCidr(int s) {
        Map<Cidr, List<IpCacheEntry>> out = new HashMap<>();
        for (IpCacheEntry e : claims(s, null)) {
            out.computeIfAbsent(e.cidr(), c -> new ArrayList<>()).add(e);
        }
        return out;
    }

    /** The claims of shard {@code s} that count (owners that are members), all of them or those of {@code only}. */
    private List<IpCacheEntry> claims(int s, Cidr only) {
        Set<String> memberAddresses = members.addresses();
        List<IpCacheEntry> out = new ArrayList<>();
        for (IpClaim c :
                values.getOrDefault(EXTERNAL_KEYS.get(s).id(), Map.of()).values()) {
            entryOf(c, IpCacheEntry.Source.EXTERNAL, only).ifPresent(out::add);
        }
        for (IpClaim c : values.getOrDefault(NODE_KEYS.get(s).id(), Map.of()).values()) {
            if (memberAddresses.contains(c.clusterAddress())) {
                entryOf(c, IpCacheEntry.Source.ENDPOINT, only).ifPresent(out::add);
            }
        }
        return out;
    }

    private static Optional<IpCacheEntry> entryOf(IpClaim c, IpCacheEntry.Source source, Cidr only) {
        Optional<Cidr> cidr = cidrOf(c);
        if (cidr.isEmpty()
                || (only != null && !only.equals(cidr.get()))
                || cidr.get().prefix().length() == 0) {
            return Optional.empty();
        }
        try {
            IdentityScope.of(c.identity());
        } catch (IllegalArgumentException e) {
            LOG.warn("ignoring the claim on {} by '{}': {}", c.cidr(), c.node(), e.getMessage());
            return Optional.empty();
        }
        return Optional.of(new IpCacheEntry(cidr.get(), c.identity(), c.node(), source, c.claimedAtMillis()));
    }

    private static Optional<Cidr> cidrOf(IpClaim c) {
        try {
            return Optional.of(Cidr.parse(c.cidr()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private void askIpCache(
            Function<ActorRef<IpCache.Result>, IpCache.Command> request,
            ActorRef<IpCache.Result> then,
            IpCache.Result reply) {
        mirrorsInFlight++;
        ctx.ask(
                IpCache.Result.class,
                ipcache,
                IPCACHE_TIMEOUT,
                request::apply,
                (result, failure) -> new Mirrored(
                        result != null
                                ? result
                                : new IpCache.Rejected(
                                        IpCacheException.Reason.KERNEL, "", "the ipcache did not answer: " + failure),
                        then,
                        reply,
                        true));
    }

    private Behavior<Command> onMirrored(Mirrored m) {
        if (m.counted() && --mirrorsInFlight == 0 && mirrorWanted) {
            mirrorWanted = false;
            mirror(null, null);
        }
        if (m.counted() && holdAllAfterMirror) {
            holdAllAfterMirror = false;
            syncHolds(externalCidrs());
        }
        if (m.result() instanceof IpCache.Rejected rej) {
            // The claims do not fit this node's map (full): keep serving, say so, compare everything next time.
            LOG.warn("ipcache claims not mirrored on this node: {}", rej.message());
            fullNeeded = true;
            nodesSent = null;
        }
        if (m.then() != null) {
            m.then().tell(m.result() instanceof IpCache.Rejected ? m.result() : m.reply());
        }
        return Behaviors.same();
    }

    // --- identity uses of the external entries ---

    private Set<Cidr> externalCidrs() {
        Set<Cidr> all = new HashSet<>(held.keySet());
        for (Key<LwwDotMap<String, IpClaim>> key : EXTERNAL_KEYS) {
            values.getOrDefault(key.id(), Map.of()).values().forEach(c -> cidrOf(c)
                    .ifPresent(all::add));
        }
        return all;
    }

    /** The external entry of {@code cidr} as this node sees it. */
    private Optional<IpClaim> external(Cidr cidr) {
        return Optional.ofNullable(
                values.getOrDefault(EXTERNAL_KEYS.get(shardOf(cidr)).id(), Map.of())
                        .get(cidr.toString()));
    }

    /**
     * Makes this node hold the use of each external entry's identity among {@code cidrs}, and (once serving, when
     * the view is whole) drop the uses of entries that went or changed.
     */
    private void syncHolds(Collection<Cidr> cidrs) {
        for (Cidr cidr : cidrs) {
            Optional<IpClaim> entry = external(cidr);
            Integer have = held.get(cidr);
            if (entry.isPresent() && have != null && have == entry.get().identity()) {
                continue;
            }
            if (have != null && (serving || entry.isPresent())) {
                identities.release(have, holder(cidr));
                held.remove(cidr);
            }
            if (entry.isPresent() && !acquiring.contains(cidr)) {
                acquire(cidr, entry.get());
            }
        }
    }

    private void acquire(Cidr cidr, IpClaim entry) {
        LabelSet labels;
        try {
            labels = LabelSet.parse(entry.labels());
        } catch (IllegalArgumentException e) {
            LOG.warn("external entry {}: labels '{}' are no label set", cidr, entry.labels());
            return;
        }
        acquiring.add(cidr);
        ctx.pipeToSelf(
                identities.hold(entry.identity(), labels, holder(cidr)),
                (identity, failure) -> new HoldAcquired(cidr, entry.identity(), identity, failure));
    }

    private Behavior<Command> onHoldAcquired(HoldAcquired a) {
        acquiring.remove(a.cidr());
        if (a.failure() != null) {
            LOG.warn(
                    "cannot hold the identity of the external entry {}: {}",
                    a.cidr(),
                    unwrap(a.failure()).getMessage());
            if (!timers.isTimerActive(HOLDS_TIMER)) {
                timers.startSingleTimer(HOLDS_TIMER, new RetryHolds(), ACQUIRE_RETRY);
            }
            return Behaviors.same();
        }
        Optional<IpClaim> entry = external(a.cidr());
        if (entry.isEmpty() || entry.get().identity() != a.identity().id()) {
            // The entry went or changed while the use was acquired.
            if (!Integer.valueOf(a.identity().id()).equals(held.get(a.cidr()))) {
                identities.release(a.identity().id(), holder(a.cidr()));
            }
            syncHolds(List.of(a.cidr()));
            return Behaviors.same();
        }
        if (a.identity().id() != a.wanted()) {
            LOG.warn(
                    "external entry {} names identity {}, but this node's allocator gives its labels {}",
                    a.cidr(),
                    a.wanted(),
                    a.identity().id());
        }
        held.put(a.cidr(), a.identity().id());
        return Behaviors.same();
    }

    private Behavior<Command> onRetryHolds() {
        syncHolds(externalCidrs());
        return Behaviors.same();
    }

    static String holder(Cidr cidr) {
        return "ip:" + cidr;
    }

    // --- serving: requests ---

    private Behavior<Command> onPut(PutExternal put) {
        ctx.pipeToSelf(
                identities.acquire(put.labels(), holder(put.cidr())),
                (identity, failure) -> new PutAcquired(put, identity, failure));
        return Behaviors.same();
    }

    private Behavior<Command> onPutAcquired(PutAcquired a) {
        PutExternal put = a.put();
        if (a.failure() != null) {
            put.replyTo()
                    .tell(noIdentity(
                            a.failure(), put.labels().toString(), put.cidr() + ": no identity for " + put.labels()));
            return Behaviors.same();
        }
        int id = a.identity().id();
        long now = System.currentTimeMillis();
        IpClaim claim = new IpClaim(put.cidr().toString(), "", "", put.labels().toString(), id, now);
        boolean created = external(put.cidr()).isEmpty();
        IpCacheEntry entry = new IpCacheEntry(put.cidr(), id, "", IpCacheEntry.Source.EXTERNAL, now);
        Cidr cidr = put.cidr();
        Runnable undo = () -> releaseUnlessHeld(id, cidr);
        write(
                Map.of(EXTERNAL_KEYS.get(shardOf(cidr)), m -> m.put(selfUnique, cidr.toString(), claim)),
                put.replyTo(),
                new IpCache.Published(entry, created),
                undo);
        return Behaviors.same();
    }

    /** A request's refusal when its identity could not be had: unavailable (no decider) or refused. */
    private static IpCache.Rejected noIdentity(Throwable failure, String value, String what) {
        Throwable t = unwrap(failure);
        return new IpCache.Rejected(
                t instanceof IdentityUnavailableException
                        ? IpCacheException.Reason.IDENTITY_UNAVAILABLE
                        : IpCacheException.Reason.INVALID_ENTRY,
                value,
                what + ": " + t.getMessage());
    }

    /** Gives back a use acquired for a request that failed, unless the entry holds that number (or is acquiring). */
    private void releaseUnlessHeld(int id, Cidr cidr) {
        if (!Integer.valueOf(id).equals(held.get(cidr)) && !acquiring.contains(cidr)) {
            identities.release(id, holder(cidr));
        }
    }

    private Behavior<Command> onPutBatch(PutExternalBatch put) {
        Set<Cidr> seen = new HashSet<>();
        for (ExternalEntry e : put.entries()) {
            if (!seen.add(e.cidr())) {
                put.replyTo()
                        .tell(new IpCache.Rejected(
                                IpCacheException.Reason.INVALID_CIDR,
                                e.cidr().toString(),
                                e.cidr() + " is listed twice in one batch"));
                return Behaviors.same();
            }
        }
        List<CompletableFuture<Identity>> acquired = new ArrayList<>();
        for (ExternalEntry e : put.entries()) {
            acquired.add(identities.acquire(e.labels(), holder(e.cidr())).toCompletableFuture());
        }
        ctx.pipeToSelf(
                CompletableFuture.allOf(acquired.toArray(CompletableFuture[]::new)),
                (ok, failure) -> new BatchAcquired(
                        put,
                        acquired.stream()
                                .map(f -> f.isDone() && !f.isCompletedExceptionally() ? f.join() : null)
                                .toList(),
                        failure));
        return Behaviors.same();
    }

    private Behavior<Command> onBatchAcquired(BatchAcquired a) {
        PutExternalBatch put = a.put();
        List<ExternalEntry> entries = put.entries();
        Runnable undo = () -> {
            for (int i = 0; i < entries.size(); i++) {
                Identity identity = a.identities().get(i);
                if (identity != null) {
                    releaseUnlessHeld(identity.id(), entries.get(i).cidr());
                }
            }
        };
        if (a.failure() != null) {
            undo.run();
            put.replyTo().tell(noIdentity(a.failure(), "", "no identity for every entry of the batch"));
            return Behaviors.same();
        }
        long now = System.currentTimeMillis();
        Map<Key<LwwDotMap<String, IpClaim>>, List<IpClaim>> byKey = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            ExternalEntry e = entries.get(i);
            IpClaim claim = new IpClaim(
                    e.cidr().toString(),
                    "",
                    "",
                    e.labels().toString(),
                    a.identities().get(i).id(),
                    now);
            byKey.computeIfAbsent(EXTERNAL_KEYS.get(shardOf(e.cidr())), k -> new ArrayList<>())
                    .add(claim);
        }
        Map<Key<LwwDotMap<String, IpClaim>>, Function<LwwDotMap<String, IpClaim>, LwwDotMap<String, IpClaim>>> changes =
                new HashMap<>();
        byKey.forEach((key, claims) -> changes.put(key, m -> {
            LwwDotMap<String, IpClaim> out = m;
            for (IpClaim c : claims) {
                out = out.put(selfUnique, c.cidr(), c);
            }
            return out;
        }));
        write(changes, put.replyTo(), new IpCache.Applied(entries.size()), undo);
        return Behaviors.same();
    }

    private Behavior<Command> onDelete(DeleteExternal delete) {
        Cidr cidr = delete.cidr();
        boolean existed = external(cidr).isPresent();
        write(
                Map.of(EXTERNAL_KEYS.get(shardOf(cidr)), m -> m.remove(selfUnique, cidr.toString())),
                delete.replyTo(),
                new IpCache.Applied(existed ? 1 : 0),
                null);
        return Behaviors.same();
    }

    private Behavior<Command> onPublishOwn(PublishOwn publish) {
        for (Map.Entry<Cidr, Integer> e : publish.entries().entrySet()) {
            if (publish.withdrawn().contains(e.getKey())
                    || e.getKey().prefix().length() == 0
                    || !validIdentity(e.getValue())) {
                publish.replyTo()
                        .tell(new IpCache.Rejected(
                                IpCacheException.Reason.INVALID_ENTRY,
                                e.getKey().toString(),
                                e.getKey() + ": cannot be published with identity " + e.getValue()
                                        + " (a world prefix, no identity range, or also withdrawn)"));
                return Behaviors.same();
            }
        }
        long now = System.currentTimeMillis();
        Map<Key<LwwDotMap<String, IpClaim>>, Function<LwwDotMap<String, IpClaim>, LwwDotMap<String, IpClaim>>> byKey =
                new HashMap<>();
        Map<Key<LwwDotMap<String, IpClaim>>, List<Function<LwwDotMap<String, IpClaim>, LwwDotMap<String, IpClaim>>>>
                steps = new HashMap<>();
        publish.entries()
                .forEach((cidr, id) -> steps.computeIfAbsent(NODE_KEYS.get(shardOf(cidr)), k -> new ArrayList<>())
                        .add(m -> m.put(
                                selfUnique,
                                ownedKey(cidr, selfName),
                                new IpClaim(cidr.toString(), selfName, selfAddress, "", id, now))));
        publish.withdrawn().forEach(cidr -> steps.computeIfAbsent(NODE_KEYS.get(shardOf(cidr)), k -> new ArrayList<>())
                .add(m -> m.remove(selfUnique, ownedKey(cidr, selfName))));
        steps.forEach((key, fs) -> byKey.put(key, m -> {
            LwwDotMap<String, IpClaim> out = m;
            for (var f : fs) {
                out = f.apply(out);
            }
            return out;
        }));
        if (byKey.isEmpty()) {
            publish.replyTo().tell(new IpCache.Applied(0));
            return Behaviors.same();
        }
        write(
                byKey,
                publish.replyTo(),
                new IpCache.Applied(
                        publish.entries().size() + publish.withdrawn().size()),
                null);
        return Behaviors.same();
    }

    private static boolean validIdentity(int id) {
        try {
            IdentityScope.of(id);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Writes each key's change (WriteAll while every member is reachable, else a majority); once all are confirmed
     * the change is recorded here and mirrored, and {@code replyTo} hears {@code onSuccess}.
     */
    private void write(
            Map<Key<LwwDotMap<String, IpClaim>>, Function<LwwDotMap<String, IpClaim>, LwwDotMap<String, IpClaim>>>
                    byKey,
            ActorRef<IpCache.Result> replyTo,
            IpCache.Result onSuccess,
            Runnable onFailure) {
        long request = nextRequest++;
        pending.put(request, new PendingWrite(replyTo, onSuccess, onFailure, List.copyOf(byKey.keySet())));
        boolean toAll = !Cluster.get(ctx.getSystem())
                .state()
                .getUnreachable()
                .iterator()
                .hasNext();
        Replicator.WriteConsistency consistency = toAll
                ? new Replicator.WriteAll(Replication.WRITE_ALL_TIMEOUT)
                : new Replicator.WriteMajority(Replication.WRITE_TIMEOUT);
        byKey.forEach((key, change) -> update(request, key, toAll, consistency, change));
    }

    private void update(
            long request,
            Key<LwwDotMap<String, IpClaim>> key,
            boolean toAll,
            Replicator.WriteConsistency consistency,
            Function<LwwDotMap<String, IpClaim>, LwwDotMap<String, IpClaim>> change) {
        replicator.askUpdate(
                r -> new Replicator.Update<>(key, LwwDotMap.empty(), consistency, r, change::apply),
                rsp -> new Written(
                        request,
                        key,
                        toAll,
                        rsp instanceof Replicator.UpdateSuccess,
                        rsp.getClass().getSimpleName()));
    }

    private Behavior<Command> onWritten(Written w) {
        PendingWrite p = pending.get(w.request());
        if (p == null) {
            if (!w.ok()) {
                LOG.debug("ipcache clean-up of {} not confirmed: {}", w.key().id(), w.detail());
            }
            return Behaviors.same();
        }
        if (!w.ok() && w.toAll() && w.detail().equals("UpdateTimeout")) {
            // Not every node answered in time: the key's whole value again, to a majority (no deltas: an update
            // that changes nothing still carries it).
            update(w.request(), w.key(), false, new Replicator.WriteMajority(Replication.WRITE_TIMEOUT), m -> m);
            return Behaviors.same();
        }
        if (!w.ok()) {
            p.failures.add(w.key().id() + ": " + w.detail());
        }
        if (--p.outstanding > 0) {
            return Behaviors.same();
        }
        pending.remove(w.request());
        if (!p.failures.isEmpty()) {
            if (p.onFailure != null) {
                p.onFailure.run();
            }
            p.replyTo.tell(new IpCache.Rejected(
                    IpCacheException.Reason.NOT_CONFIRMED,
                    "",
                    "the change was not confirmed by a majority of the cluster within "
                            + Replication.WRITE_TIMEOUT.toSeconds() + " s (" + String.join(", ", p.failures)
                            + "); it may still reach every node"));
            return Behaviors.same();
        }
        // Confirmed by a majority, so the local replica has it: read it back, so the reply means "in this node's map".
        p.outstanding = p.keys.size();
        for (Key<LwwDotMap<String, IpClaim>> key : p.keys) {
            replicator.askGet(
                    r -> new Replicator.Get<>(key, Replicator.readLocal(), r),
                    rsp -> new LocalRead(
                            w.request(),
                            key,
                            rsp instanceof Replicator.GetSuccess<LwwDotMap<String, IpClaim>> g
                                    ? g.get(key).getEntries()
                                    : Map.of()));
        }
        readingBack.put(w.request(), p);
        return Behaviors.same();
    }

    private Behavior<Command> onLocalRead(LocalRead read) {
        PendingWrite p = readingBack.get(read.request());
        if (p == null) {
            return Behaviors.same();
        }
        notified.add(read.key().id());
        record(read.key(), read.value());
        if (--p.outstanding == 0) {
            readingBack.remove(read.request());
            mirror(p.replyTo, p.onSuccess);
        }
        return Behaviors.same();
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
