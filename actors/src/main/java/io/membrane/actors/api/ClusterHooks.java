package io.membrane.actors.api;

import io.membrane.actors.api.model.ClusterRtt;
import io.membrane.actors.api.model.ClusterStatus;
import io.membrane.actors.identity.IdentityAllocator;
import io.membrane.actors.identity.IdentityMetrics;
import io.membrane.actors.identity.LabelSet;
import io.membrane.actors.ipcache.IpCache;
import io.membrane.actors.prefilter.Prefilter;
import io.membrane.maps.net.Cidr;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * What a clustered agent adds to the admin API: cluster-scoped prefilter changes (replicated, then mirrored by
 * every node's Prefilter) and the cluster's view for GET /v1/cluster. A plain agent has none, and refuses
 * cluster scope with a clear error. It also carries the cluster-wide half of the ipcache: external entries and
 * this node's own.
 */
public interface ClusterHooks {
    /** Replicates the change; completes once the chosen consistency level confirmed it, or with a refusal. */
    CompletionStage<Prefilter.Result> changePrefilter(List<Cidr> cidrs, boolean add, OptionalLong revision);

    /** Members, their status and reachability, and the node registry. */
    CompletionStage<ClusterStatus> status();

    /**
     * {@code count} Artery round trips to the node named {@code node}, one after the other; fails with
     * {@link IllegalArgumentException} for a node the registry does not name.
     */
    CompletionStage<ClusterRtt> rtt(String node, int count);

    /** The cluster-wide identity allocator of this node (GET /v1/identity; the ipcache and endpoints use it). */
    default Optional<IdentityAllocator> identities() {
        return Optional.empty();
    }

    /** What {@link #identities} records for /metrics. */
    default Optional<IdentityMetrics> identityMetrics() {
        return Optional.empty();
    }

    /**
     * Publishes the cluster-wide external entry of {@code cidr}: the identity of {@code labels}, acquired for the
     * holder {@code ip:<cidr>} first. Completes with {@link IpCache.Published} once a majority has the entry, or a
     * refusal (nothing published; an identity acquired for it is released).
     */
    CompletionStage<IpCache.Result> putIp(Cidr cidr, LabelSet labels);

    /**
     * Publishes many external entries at once, all or nothing (distinct CIDRs, in this order); completes with
     * {@link IpCache.Applied} counting them once a majority has every one, or a refusal (nothing published).
     */
    CompletionStage<IpCache.Result> putIps(Map<Cidr, LabelSet> entries);

    /** Removes the external entry of {@code cidr}; idempotent ({@link IpCache.Applied} counts 1 or 0). */
    CompletionStage<IpCache.Result> deleteIp(Cidr cidr);

    /**
     * Publishes this node's own entries (its endpoints' addresses and their identities) and withdraws others; every
     * node mirrors them, and they go with this node when it leaves the cluster.
     */
    CompletionStage<IpCache.Result> publishOwnIps(Map<Cidr, Integer> entries, Set<Cidr> withdrawn);
}
