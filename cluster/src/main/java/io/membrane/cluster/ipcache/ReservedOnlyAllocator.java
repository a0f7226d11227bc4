package io.membrane.cluster.ipcache;

import io.membrane.actors.identity.Identity;
import io.membrane.actors.identity.IdentityAllocator;
import io.membrane.actors.identity.IdentityUnavailableException;
import io.membrane.actors.identity.LabelSet;
import io.membrane.actors.identity.ReservedIdentity;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An allocator that knows only the reserved identities and refuses every other label set with
 * {@link IdentityUnavailableException}: what a node runs until the cluster's allocator (the decider and the
 * replicated identity table) is plugged in at {@link io.membrane.cluster.ClusterExtension#DEFAULT_IDENTITIES}. It
 * never makes up a number, so {@code PUT /v1/ip/{cidr}} answers 503 rather than publish an identity that another
 * node could give to other labels.
 */
public final class ReservedOnlyAllocator implements IdentityAllocator {
    @Override
    public CompletionStage<Identity> acquire(LabelSet labels, String holder) {
        return ReservedIdentity.byLabels(labels)
                .map(r -> CompletableFuture.completedFuture(r.identity()))
                .orElseGet(() -> CompletableFuture.failedFuture(new IdentityUnavailableException(
                        "no cluster identity allocator runs on this node: only reserved identities are known")));
    }

    @Override
    public void release(int id, String holder) {}

    @Override
    public Optional<Identity> byId(int id) {
        return ReservedIdentity.byId(id).map(ReservedIdentity::identity);
    }

    @Override
    public Optional<Identity> byLabels(LabelSet labels) {
        return ReservedIdentity.byLabels(labels).map(ReservedIdentity::identity);
    }

    @Override
    public List<IdentityUse> all() {
        return Arrays.stream(ReservedIdentity.values())
                .map(r -> new IdentityUse(r.identity(), List.of()))
                .toList();
    }
}
