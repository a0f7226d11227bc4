package io.membrane.actors.api;

import io.membrane.actors.api.model.ClusterStatus;
import io.membrane.actors.prefilter.Prefilter;
import io.membrane.maps.net.Cidr;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;

/**
 * What a clustered agent adds to the admin API: cluster-scoped prefilter changes (replicated, then mirrored by
 * every node's Prefilter) and the cluster's view for GET /v1/cluster. A plain agent has none, and refuses
 * cluster scope with a clear error.
 */
public interface ClusterHooks {
    /** Replicates the change; completes once the chosen consistency level confirmed it, or with a refusal. */
    CompletionStage<Prefilter.Result> changePrefilter(List<Cidr> cidrs, boolean add, OptionalLong revision);

    /** Members, their status and reachability, and the node registry. */
    CompletionStage<ClusterStatus> status();
}
