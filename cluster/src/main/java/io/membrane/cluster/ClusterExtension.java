package io.membrane.cluster;

import io.membrane.actors.Agent;
import io.membrane.actors.AgentExtension;
import io.membrane.actors.api.AdminRoutes;
import io.membrane.actors.api.ClusterHooks;
import io.membrane.actors.api.model.ClusterRtt;
import io.membrane.actors.api.model.ClusterStatus;
import io.membrane.actors.identity.IdentityAllocator;
import io.membrane.actors.identity.IdentityMetrics;
import io.membrane.actors.identity.LabelSet;
import io.membrane.actors.ipcache.IpCache;
import io.membrane.actors.ipcache.IpCacheException;
import io.membrane.actors.prefilter.Prefilter;
import io.membrane.cluster.identity.ClusterIdentities;
import io.membrane.cluster.identity.IdentitySettings;
import io.membrane.cluster.ipcache.IpCacheReplication;
import io.membrane.cluster.probe.ClusterProbe;
import io.membrane.cluster.wire.NodeInfo;
import io.membrane.maps.net.Cidr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * Makes an agent a cluster node: once the agent's actors run, it starts the node registry and the prefilter
 * replication bridge as children of the agent guardian (restarted with back-off like the rest), the identity
 * allocator (the decider singleton and this node's side of it) and the ipcache's replication bridge, and gives
 * the admin API its cluster hooks — cluster-scoped prefilter changes, GET /v1/cluster, the identities and the
 * ipcache's external entries.
 */
public final class ClusterExtension implements AgentExtension {
    /**
     * The API's wait for a cluster-scoped change: longer than the replication's own deadlines for a list of
     * 100,000 CIDRs (start-up read 5 s, WriteAll 7 s, majority 9 s, the maps), shorter than the HTTP server's
     * 60 s request timeout, so the caller hears the replication's own answer.
     */
    static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(50);

    /** The API's wait for an ipcache change: longer than its writes' own deadlines (WriteAll, then a majority). */
    static final Duration IP_TIMEOUT = Duration.ofSeconds(15);

    private final String nodeName;
    private final String apiAddress;

    /**
     * @param nodeName   this node's name in the registry
     * @param apiAddress host:port of this node's TCP listener (metrics and health), as the registry shows it
     */
    public ClusterExtension(String nodeName, String apiAddress) {
        this.nodeName = nodeName;
        this.apiAddress = apiAddress;
    }

    @Override
    public Optional<ClusterHooks> start(ActorContext<Agent.Command> ctx, AdminRoutes.Targets targets) {
        Cluster cluster = Cluster.get(ctx.getSystem());
        if (ctx.getSystem()
                .settings()
                .config()
                .getStringList("pekko.cluster.seed-nodes")
                .isEmpty()) {
            // No seeds: the single-node default, which forms a cluster of its own.
            cluster.manager().tell(Join.create(cluster.selfMember().address()));
        }
        var address = cluster.selfMember().address();
        NodeInfo self = new NodeInfo(
                nodeName, apiAddress, address.getHost().orElse(""), address.toString(), System.currentTimeMillis());
        ActorRef<NodeRegistry.Command> registry = ctx.spawn(
                Behaviors.supervise(NodeRegistry.create(self))
                        .onFailure(SupervisorStrategy.restartWithBackoff(
                                Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)),
                "node-registry");
        ActorRef<PrefilterReplication.Command> replication = ctx.spawn(
                Behaviors.supervise(PrefilterReplication.create(targets.prefilter()))
                        .onFailure(SupervisorStrategy.restartWithBackoff(
                                Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)),
                "prefilter-replication");
        ClusterIdentities identities = ClusterIdentities.start(
                ctx, nodeName, IdentitySettings.from(ctx.getSystem().settings().config()));
        ActorRef<IpCacheReplication.Command> ipcache = ctx.spawn(
                Behaviors.supervise(IpCacheReplication.create(nodeName, targets.ipcache(), identities))
                        .onFailure(SupervisorStrategy.restartWithBackoff(
                                Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)),
                "ipcache-replication");
        ActorRef<ClusterProbe.Command> probe = ctx.spawn(
                Behaviors.supervise(ClusterProbe.create()).onFailure(SupervisorStrategy.restart()), "cluster-probe");
        return Optional.of(new Hooks(ctx.getSystem(), registry, replication, ipcache, identities, probe));
    }

    private record Hooks(
            ActorSystem<?> system,
            ActorRef<NodeRegistry.Command> registry,
            ActorRef<PrefilterReplication.Command> replication,
            ActorRef<IpCacheReplication.Command> ipcache,
            ClusterIdentities allocator,
            ActorRef<ClusterProbe.Command> probe)
            implements ClusterHooks {
        @Override
        public CompletionStage<ClusterRtt> rtt(String node, int count) {
            Duration timeout = ClusterProbe.PING_TIMEOUT.multipliedBy(2).plusMillis(10L * count);
            return AskPattern.<NodeRegistry.Command, Map<String, NodeInfo>>ask(
                            registry, NodeRegistry.Get::new, Duration.ofSeconds(5), system.scheduler())
                    .thenCompose(nodes -> {
                        NodeInfo info = nodes.get(node);
                        if (info == null) {
                            throw new IllegalArgumentException("no node " + node + " in the registry (known: "
                                    + new TreeMap<>(nodes).keySet() + ")");
                        }
                        return AskPattern.<ClusterProbe.Command, ClusterProbe.Result>ask(
                                        probe,
                                        r -> new ClusterProbe.Measure(info.clusterAddress(), count, r),
                                        timeout,
                                        system.scheduler())
                                .thenApply(result -> rttOf(node, result));
                    });
        }

        private static ClusterRtt rttOf(String node, ClusterProbe.Result result) {
            if (result instanceof ClusterProbe.Failed f) {
                throw new IllegalStateException(f.message());
            }
            ClusterProbe.Measured m = (ClusterProbe.Measured) result;
            List<Double> us = new ArrayList<>();
            for (long n : m.nanos()) {
                us.add(n / 1000.0);
            }
            double[] sorted =
                    us.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new ClusterRtt(
                    node,
                    m.address(),
                    sorted.length,
                    percentile(sorted, 50),
                    percentile(sorted, 99),
                    sorted[sorted.length - 1],
                    us);
        }

        /** Nearest rank on sorted values. */
        private static double percentile(double[] sorted, int p) {
            int rank = (int) Math.ceil(p / 100.0 * sorted.length);
            return sorted[Math.max(0, rank - 1)];
        }

        @Override
        public Optional<IdentityAllocator> identities() {
            return Optional.of(allocator);
        }

        @Override
        public Optional<IdentityMetrics> identityMetrics() {
            return Optional.of(allocator.metrics());
        }

        @Override
        public CompletionStage<IpCache.Result> putIp(Cidr cidr, LabelSet labels) {
            return askIpCache(r -> new IpCacheReplication.PutExternal(cidr, labels, r), cidr);
        }

        @Override
        public CompletionStage<IpCache.Result> putIps(Map<Cidr, LabelSet> entries) {
            List<IpCacheReplication.ExternalEntry> list = new ArrayList<>();
            entries.forEach((cidr, labels) -> list.add(new IpCacheReplication.ExternalEntry(cidr, labels)));
            return askIpCache(r -> new IpCacheReplication.PutExternalBatch(list, r), null);
        }

        @Override
        public CompletionStage<IpCache.Result> deleteIp(Cidr cidr) {
            return askIpCache(r -> new IpCacheReplication.DeleteExternal(cidr, r), cidr);
        }

        @Override
        public CompletionStage<IpCache.Result> publishOwnIps(Map<Cidr, Integer> entries, Set<Cidr> withdrawn) {
            return askIpCache(
                    r -> new IpCacheReplication.PublishOwn(Map.copyOf(entries), Set.copyOf(withdrawn), r), null);
        }

        /** An ask whose timeout is a refusal like any other: not confirmed (the node may not have read the ipcache). */
        private CompletionStage<IpCache.Result> askIpCache(
                org.apache.pekko.japi.function.Function<ActorRef<IpCache.Result>, IpCacheReplication.Command> message,
                Cidr cidr) {
            return AskPattern.ask(ipcache, message, IP_TIMEOUT, system.scheduler())
                    .exceptionally(t -> new IpCache.Rejected(
                            IpCacheException.Reason.NOT_CONFIRMED,
                            cidr == null ? "" : cidr.toString(),
                            "no answer from this node's ipcache replication within " + IP_TIMEOUT.toSeconds()
                                    + " s (has it joined a cluster with a reachable majority?)"));
        }

        @Override
        public CompletionStage<Prefilter.Result> changePrefilter(List<Cidr> cidrs, boolean add, OptionalLong revision) {
            return AskPattern.ask(
                    replication,
                    r -> new PrefilterReplication.Change(cidrs, add, revision, r),
                    CHANGE_TIMEOUT,
                    system.scheduler());
        }

        @Override
        public CompletionStage<ClusterStatus> status() {
            return AskPattern.<NodeRegistry.Command, Map<String, NodeInfo>>ask(
                            registry, NodeRegistry.Get::new, Duration.ofSeconds(5), system.scheduler())
                    .thenApply(this::render);
        }

        private ClusterStatus render(Map<String, NodeInfo> nodes) {
            Cluster cluster = Cluster.get(system);
            var state = cluster.state();
            Set<Member> unreachable = StreamSupport.stream(
                            state.getUnreachable().spliterator(), false)
                    .collect(Collectors.toSet());
            List<ClusterStatus.Member> members = new ArrayList<>();
            for (Member m : state.getMembers()) {
                members.add(new ClusterStatus.Member(
                        m.address().toString(),
                        m.status().toString().toLowerCase(),
                        !unreachable.contains(m),
                        m.equals(cluster.selfMember())));
            }
            Map<String, ClusterStatus.RegistryEntry> registry = new TreeMap<>();
            nodes.forEach((name, n) -> registry.put(
                    name,
                    new ClusterStatus.RegistryEntry(
                            n.name(), n.address(), n.underlay(), n.clusterAddress(), n.joinedAtMillis())));
            // The singleton manager runs the decider on the oldest member that is up (or leaving, during a hand-over).
            String decider = StreamSupport.stream(state.getMembers().spliterator(), false)
                    .filter(m -> m.status() == MemberStatus.up() || m.status() == MemberStatus.leaving())
                    .reduce((a, b) -> b.isOlderThan(a) ? b : a)
                    .map(m -> m.address().toString())
                    .orElse(null);
            return new ClusterStatus(
                    cluster.selfMember().address().toString(),
                    state.getLeader() == null ? null : state.getLeader().toString(),
                    decider,
                    members,
                    registry);
        }
    }
}
