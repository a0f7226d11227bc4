package io.membrane.actors.identity;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * How this node gets and gives back the numbers of label sets. A clustered node asks the cluster's one decider
 * for a label set it does not hold yet and keeps the whole table locally, so that looking up a known label set or
 * number never leaves the node. A use is held by a named holder on this node ({@code ip:198.51.100.0/24},
 * {@code endpoint:42}); the node publishes which identities it uses, and the cluster releases a number only after
 * no node has used it for the grace period.
 */
public interface IdentityAllocator {
    /**
     * The identity of {@code labels} (reserved ones answered locally), held for {@code holder} until
     * {@link #release}. Completes exceptionally with {@link IdentityUnavailableException} when no decider answered
     * in time; never with a number that another label set holds.
     */
    CompletionStage<Identity> acquire(LabelSet labels, String holder);

    /**
     * Holds {@code id} for {@code holder} where a replicated entry (an ipcache claim) already names it for {@code
     * labels}: an entry is written only after its number was granted, so a node whose table agrees needs not ask
     * again. Otherwise, and by default, as {@link #acquire}.
     */
    default CompletionStage<Identity> hold(int id, LabelSet labels, String holder) {
        return acquire(labels, holder);
    }

    /** Drops {@code holder}'s use of {@code id}; idempotent. */
    void release(int id, String holder);

    /** From the local table: no network round trip. */
    Optional<Identity> byId(int id);

    /** From the local table: no network round trip. */
    Optional<Identity> byLabels(LabelSet labels);

    /** The reserved identities and the cluster table as this node holds it, by number. */
    List<IdentityUse> all();

    /** An identity and the nodes that publish a use of it (names, sorted). */
    record IdentityUse(Identity identity, List<String> nodesUsing) {}

    /**
     * The allocator of an agent without a cluster: the reserved identities, and no number for anything else (there
     * is no decider to ask, and a number made up here could mean other labels on another node).
     */
    static IdentityAllocator reservedOnly() {
        return new IdentityAllocator() {
            @Override
            public CompletionStage<Identity> acquire(LabelSet labels, String holder) {
                return ReservedIdentity.byLabels(labels)
                        .map(r -> CompletableFuture.completedStage(r.identity()))
                        .orElseGet(() -> CompletableFuture.failedStage(new IdentityUnavailableException(
                                "this agent runs without a cluster: only reserved identities, none for " + labels)));
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
        };
    }
}
