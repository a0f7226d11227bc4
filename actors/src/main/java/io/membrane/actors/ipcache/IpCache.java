package io.membrane.actors.ipcache;

import io.membrane.actors.identity.ReservedIdentity;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.maps.net.Cidr;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns {@code membrane_ipcache}: the only writer of it. The map holds, for every CIDR anyone claims, the claim that
 * wins by {@link IpCacheEntry#PRECEDENCE}, from three layers: the reserved entries it derives itself ({@code
 * 0.0.0.0/0} and {@code ::/0} to world, so a miss is world), the nodes' own addresses it derives from the node list
 * it is given ({@link SetNodes}: this node's are host, the others' remote-node with their address as node_addr),
 * and the cluster's claims (endpoint and external entries, from the replication bridge). Every change is one
 * all-or-nothing batch ({@link IpCacheTable}) of the entries whose winner changed; nothing else is touched.
 *
 * <p>Phases: on start — and on every restart by its supervisor — it reads back what the pinned map holds and keeps
 * it (<b>mirroring-early</b>): changes add and update entries but remove none, because what the map held before
 * may be claims the cluster still makes and this node has not heard of yet. The first {@link Reconcile} (the
 * bridge sends it once it has read the cluster's state in full) removes whatever nobody claims, and from then on
 * (<b>serving</b>) removals apply as they come. So an agent restart leaves no gap in the map.
 */
public final class IpCache {
    private static final Logger LOG = LoggerFactory.getLogger(IpCache.class);

    public sealed interface Command permits Reconcile, Adjust, SetNodes, Get {}

    /**
     * The cluster's claims in full (endpoint and external entries; any other CIDR's cluster claims are gone). The
     * first one ends the phase in which nothing is removed.
     */
    public record Reconcile(Collection<IpCacheEntry> claims, ActorRef<Result> replyTo) implements Command {}

    /** The cluster's claims of the CIDRs listed, each list in full (empty: no cluster claim on it any more). */
    public record Adjust(Map<Cidr, List<IpCacheEntry>> claims, ActorRef<Result> replyTo) implements Command {}

    /** Every node of the cluster now, and which one this is: their addresses become node entries. */
    public record SetNodes(String self, List<NodeAddresses> nodes, ActorRef<Result> replyTo) implements Command {}

    /**
     * A node's addresses; the first IPv4 host address is its underlay (the node_addr of the entries it owns).
     *
     * @param joinedAtMillis when the node joined: the claim time of its addresses
     */
    public record NodeAddresses(String name, List<Cidr> addresses, long joinedAtMillis) {
        public NodeAddresses {
            addresses = List.copyOf(addresses);
        }
    }

    /** The entries, or only those within {@code within}. */
    public record Get(Optional<Cidr> within, ActorRef<Snapshot> replyTo) implements Command {}

    /** What the actor (Applied, Rejected) and the cluster-wide side of the ipcache (also Published) answer. */
    public sealed interface Result permits Applied, Published, Rejected {}

    /** The map holds the change; {@code changed} entries were written or removed. */
    public record Applied(int changed) implements Result {}

    /** An external entry a majority of the cluster holds; {@code created}: the CIDR had none before. */
    public record Published(IpCacheEntry entry, boolean created) implements Result {}

    public record Rejected(IpCacheException.Reason reason, String offendingValue, String message) implements Result {}

    /**
     * One entry of the map and the claim it comes from.
     *
     * @param claims how many claims name the CIDR (above 1: a conflict, resolved to {@code entry})
     */
    public record Listed(IpCacheEntry entry, int nodeAddress, int claims) {}

    /** The entries by CIDR (IPv4 first), the counts, and whether the cluster's state was read in full yet. */
    public record Snapshot(List<Listed> entries, Counts counts, boolean complete) {}

    /** Entries by source, and how many CIDRs more than one claim names. */
    public record Counts(Map<IpCacheEntry.Source, Integer> bySource, int conflicts) {
        public static final Counts NONE = new Counts(Map.of(), 0);

        public int entries() {
            return bySource.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /** The counts as of the last change, for a metrics scrape that must not wait on the actor. */
    public static final class Current {
        private volatile Counts counts = Counts.NONE;

        public Counts counts() {
            return counts;
        }
    }

    private static final Map<Cidr, IpCacheEntry> RESERVED = Map.of(
            IpCidr.WORLD_V4,
            new IpCacheEntry(IpCidr.WORLD_V4, ReservedIdentity.WORLD.id(), "", IpCacheEntry.Source.RESERVED, 0),
            IpCidr.WORLD_V6,
            new IpCacheEntry(IpCidr.WORLD_V6, ReservedIdentity.WORLD.id(), "", IpCacheEntry.Source.RESERVED, 0));

    private final IpCacheTable table;
    private final Current current;
    private final Map<Cidr, List<IpCacheEntry>> clusterClaims = new HashMap<>();
    private final Map<Cidr, List<IpCacheEntry>> nodeClaims = new HashMap<>();
    /** Each node's underlay address (IPv4 as a number), for the node_addr of what it owns. */
    private Map<String, Integer> underlays = Map.of();

    private String self = "";
    /** The winner of each CIDR the map holds for a claim. */
    private final Map<Cidr, Listed> effective = new HashMap<>();

    private final EnumMap<IpCacheEntry.Source, Integer> bySource = new EnumMap<>(IpCacheEntry.Source.class);
    private int conflicts;

    private IpCache(IpCacheTable table, Current current) {
        this.table = table;
        this.current = current;
    }

    /**
     * @param tables  builds the table over the live map (called again on restart)
     * @param current where the counts are published
     */
    public static Behavior<Command> create(Supplier<IpCacheTable> tables, Current current) {
        return Behaviors.setup(ctx -> {
            IpCacheTable table = tables.get();
            int restored = table.restore();
            IpCache cache = new IpCache(table, current);
            cache.update(RESERVED.keySet(), false);
            LOG.info(
                    "ipcache restored {} entries from the pinned map; removing none until the cluster is read",
                    restored);
            return cache.mirroringEarly();
        });
    }

    private Behavior<Command> mirroringEarly() {
        return Behaviors.receive(Command.class)
                .onMessage(Reconcile.class, this::onFirstReconcile)
                .onMessage(Adjust.class, a -> onAdjust(a, false))
                .onMessage(SetNodes.class, n -> onSetNodes(n, false))
                .onMessage(Get.class, g -> onGet(g, false))
                .build();
    }

    private Behavior<Command> serving() {
        return Behaviors.receive(Command.class)
                .onMessage(Reconcile.class, r -> {
                    onReconcile(r);
                    return Behaviors.same();
                })
                .onMessage(Adjust.class, a -> onAdjust(a, true))
                .onMessage(SetNodes.class, n -> onSetNodes(n, true))
                .onMessage(Get.class, g -> onGet(g, true))
                .build();
    }

    private Behavior<Command> onFirstReconcile(Reconcile reconcile) {
        long started = System.nanoTime();
        if (!onReconcile(reconcile)) {
            return Behaviors.same();
        }
        LOG.info(
                "ipcache serving: {} entries, {} conflicts (the first reconcile took {} ms)",
                effective.size(),
                conflicts,
                (System.nanoTime() - started) / 1_000_000);
        return serving();
    }

    /** @return whether the map now holds the claims */
    private boolean onReconcile(Reconcile reconcile) {
        Map<Cidr, List<IpCacheEntry>> byCidr = new HashMap<>();
        for (IpCacheEntry e : reconcile.claims()) {
            byCidr.computeIfAbsent(e.cidr(), c -> new ArrayList<>()).add(e);
        }
        Optional<Rejected> refused = check(byCidr);
        if (refused.isPresent()) {
            reconcile.replyTo().tell(refused.get());
            return false;
        }
        // Only what differs from what this actor already has: a Reconcile mostly repeats the Adjusts before it.
        Set<Cidr> touched = new HashSet<>();
        byCidr.forEach((c, claims) -> {
            if (!claims.equals(clusterClaims.get(c))) {
                touched.add(c);
            }
        });
        for (Cidr c : clusterClaims.keySet()) {
            if (!byCidr.containsKey(c)) {
                touched.add(c);
            }
        }
        for (Cidr c : table.held().keySet()) {
            if (!effective.containsKey(c)) {
                touched.add(c); // restored from the pinned map, claimed by nobody yet
            }
        }
        touched.addAll(RESERVED.keySet());
        touched.addAll(nodeClaims.keySet());
        Map<Cidr, List<IpCacheEntry>> before = new HashMap<>(clusterClaims);
        clusterClaims.clear();
        clusterClaims.putAll(byCidr);
        return change(touched, true, reconcile.replyTo(), () -> {
            clusterClaims.clear();
            clusterClaims.putAll(before);
        });
    }

    private Behavior<Command> onAdjust(Adjust adjust, boolean removals) {
        Optional<Rejected> refused = check(adjust.claims());
        if (refused.isPresent()) {
            adjust.replyTo().tell(refused.get());
            return Behaviors.same();
        }
        Map<Cidr, List<IpCacheEntry>> before = new HashMap<>();
        adjust.claims().forEach((cidr, claims) -> {
            before.put(cidr, clusterClaims.get(cidr));
            put(clusterClaims, cidr, claims);
        });
        change(
                adjust.claims().keySet(),
                removals,
                adjust.replyTo(),
                () -> before.forEach((c, l) -> put(clusterClaims, c, l)));
        return Behaviors.same();
    }

    private Behavior<Command> onSetNodes(SetNodes set, boolean removals) {
        Map<Cidr, List<IpCacheEntry>> next = new HashMap<>();
        Map<String, Integer> nextUnderlays = new HashMap<>();
        for (NodeAddresses n : set.nodes()) {
            int identity = n.name().equals(set.self()) ? ReservedIdentity.HOST.id() : ReservedIdentity.REMOTE_NODE.id();
            for (Cidr a : n.addresses()) {
                if (a.prefix().length() == 0) {
                    set.replyTo()
                            .tell(new Rejected(
                                    IpCacheException.Reason.INVALID_CIDR,
                                    a.toString(),
                                    n.name() + ": " + a + " is no node address"));
                    return Behaviors.same();
                }
                next.computeIfAbsent(a, c -> new ArrayList<>())
                        .add(new IpCacheEntry(a, identity, n.name(), IpCacheEntry.Source.NODE, n.joinedAtMillis()));
                if (a instanceof Cidr.V4 v4 && v4.isHost()) {
                    nextUnderlays.putIfAbsent(n.name(), v4.prefix().address());
                }
            }
        }
        Set<Cidr> touched = new HashSet<>(nodeClaims.keySet());
        touched.addAll(next.keySet());
        // An owner's node_addr may have changed: its endpoint entries are resolved again too.
        if (!nextUnderlays.equals(underlays) || !set.self().equals(self)) {
            touched.addAll(effective.keySet());
        }
        Map<Cidr, List<IpCacheEntry>> beforeClaims = new HashMap<>(nodeClaims);
        Map<String, Integer> beforeUnderlays = underlays;
        String beforeSelf = self;
        nodeClaims.clear();
        nodeClaims.putAll(next);
        underlays = Map.copyOf(nextUnderlays);
        self = set.self();
        change(touched, removals, set.replyTo(), () -> {
            nodeClaims.clear();
            nodeClaims.putAll(beforeClaims);
            underlays = beforeUnderlays;
            self = beforeSelf;
        });
        return Behaviors.same();
    }

    private Behavior<Command> onGet(Get get, boolean complete) {
        List<Listed> out = new ArrayList<>();
        for (Listed l : effective.values()) {
            if (get.within().isEmpty()
                    || IpCidr.contains(get.within().get(), l.entry().cidr())) {
                out.add(l);
            }
        }
        out.sort(Comparator.comparing(l -> l.entry().cidr()));
        get.replyTo().tell(new Snapshot(out, counts(), complete));
        return Behaviors.same();
    }

    /** Refuses claims the cluster cannot make: the agent's own sources, no identity, a world prefix, a claim twice. */
    private static Optional<Rejected> check(Map<Cidr, List<IpCacheEntry>> byCidr) {
        for (Map.Entry<Cidr, List<IpCacheEntry>> e : byCidr.entrySet()) {
            List<IpCacheEntry> claims = e.getValue();
            for (int i = 0; i < claims.size(); i++) {
                IpCacheEntry c = claims.get(i);
                String what = null;
                if (!c.cidr().equals(e.getKey())) {
                    what = "listed under " + e.getKey();
                } else if (c.source() == IpCacheEntry.Source.NODE || c.source() == IpCacheEntry.Source.RESERVED) {
                    what = c.source().text() + " entries are the agent's own";
                } else if (!c.hasValidIdentity()) {
                    what = "identity " + Integer.toUnsignedString(c.identity()) + " is in no identity range";
                } else if (c.cidr().prefix().length() == 0) {
                    what = "the whole address space is the world identity's";
                } else {
                    for (int j = 0; j < i; j++) {
                        if (claims.get(j).sameClaim(c)) {
                            what = "claimed twice by " + c.source().text() + " " + c.node();
                        }
                    }
                }
                if (what != null) {
                    return Optional.of(new Rejected(
                            IpCacheException.Reason.INVALID_ENTRY, c.cidr().toString(), c.cidr() + ": " + what));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Writes the winners of {@code touched} as one batch (removing those without one only if {@code removals}) and
     * answers {@code replyTo}; if the kernel refuses, {@code revert} puts the claims back as they were.
     *
     * @return whether the batch was applied
     */
    private boolean change(Set<Cidr> touched, boolean removals, ActorRef<Result> replyTo, Runnable revert) {
        try {
            replyTo.tell(new Applied(update(touched, removals)));
            return true;
        } catch (IpCacheException e) {
            revert.run();
            replyTo.tell(new Rejected(e.reason(), e.offendingValue(), e.getMessage()));
            return false;
        }
    }

    private int update(Set<Cidr> touched, boolean removals) {
        Map<Cidr, Listed> next = new HashMap<>();
        Map<Cidr, IpcacheValue> put = new HashMap<>();
        Set<Cidr> remove = new HashSet<>();
        for (Cidr c : touched) {
            Listed winner = resolve(c);
            if (winner != null) {
                next.put(c, winner);
                put.put(c, new IpcacheValue(winner.entry().identity(), winner.nodeAddress()));
            } else if (removals && table.held().containsKey(c)) {
                remove.add(c);
            }
        }
        int changed = table.apply(put, remove);
        for (Cidr c : touched) {
            count(effective.remove(c), -1);
            Listed l = next.get(c);
            if (l != null) {
                effective.put(c, l);
                count(l, 1);
            }
        }
        current.counts = counts();
        return changed;
    }

    /** The winning claim of {@code cidr} among every layer, or null if none claims it. */
    private Listed resolve(Cidr cidr) {
        List<IpCacheEntry> cluster = clusterClaims.getOrDefault(cidr, List.of());
        if (cluster.size() == 1 && !nodeClaims.containsKey(cidr) && !RESERVED.containsKey(cidr)) {
            return listed(cluster.get(0), 1); // nearly every entry: one claim, nothing to compare
        }
        List<IpCacheEntry> claims = new ArrayList<>(2);
        claims.addAll(nodeClaims.getOrDefault(cidr, List.of()));
        claims.addAll(clusterClaims.getOrDefault(cidr, List.of()));
        int claimed = claims.size();
        IpCacheEntry reserved = RESERVED.get(cidr);
        if (reserved != null) {
            claims.add(reserved);
        }
        if (claims.isEmpty()) {
            return null;
        }
        return listed(claims.stream().min(IpCacheEntry.PRECEDENCE).orElseThrow(), claimed);
    }

    private Listed listed(IpCacheEntry winner, int claimed) {
        int nodeAddress =
                winner.node().isEmpty() || winner.node().equals(self) ? 0 : underlays.getOrDefault(winner.node(), 0);
        return new Listed(winner, nodeAddress, claimed);
    }

    private void count(Listed l, int delta) {
        if (l == null) {
            return;
        }
        bySource.merge(l.entry().source(), delta, Integer::sum);
        if (l.claims() > 1) {
            conflicts += delta;
        }
    }

    private Counts counts() {
        Map<IpCacheEntry.Source, Integer> sources = new EnumMap<>(IpCacheEntry.Source.class);
        bySource.forEach((s, n) -> {
            if (n > 0) {
                sources.put(s, n);
            }
        });
        return new Counts(Map.copyOf(sources), conflicts);
    }

    private static void put(Map<Cidr, List<IpCacheEntry>> claims, Cidr cidr, List<IpCacheEntry> list) {
        if (list == null || list.isEmpty()) {
            claims.remove(cidr);
        } else {
            claims.put(cidr, List.copyOf(list));
        }
    }
}
