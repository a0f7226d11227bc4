package io.membrane.cluster;

import io.membrane.actors.identity.Identity;
import io.membrane.actors.identity.IdentityAllocator;
import io.membrane.actors.identity.LabelSet;
import io.membrane.actors.identity.ReservedIdentity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The identity allocator of agents that share one JVM in a test, standing in for the cluster's (another part of
 * issue 11): one table for every node, so that a label set gets the same number on each, and each node's holders
 * kept apart, so that a test can see which nodes hold a use of which number.
 */
final class SharedTestIdentities {
    private final Map<LabelSet, Integer> numbers = new ConcurrentHashMap<>();
    private final Map<Integer, LabelSet> labels = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger(256);
    /** node → "id holder" entries. */
    private final Map<String, Set<String>> uses = new ConcurrentHashMap<>();

    ClusterExtension.IdentityAllocators allocators() {
        return (ctx, node) -> new NodeAllocator(node);
    }

    /** How many label sets got a number. */
    int allocated() {
        return numbers.size();
    }

    /** The nodes that hold a use of {@code id} for {@code holder}. */
    Set<String> nodesHolding(int id, String holder) {
        Set<String> out = new TreeSet<>();
        uses.forEach((node, held) -> {
            if (held.contains(id + " " + holder)) {
                out.add(node);
            }
        });
        return out;
    }

    private final class NodeAllocator implements IdentityAllocator {
        private final String node;

        NodeAllocator(String node) {
            this.node = node;
            uses.put(node, ConcurrentHashMap.newKeySet());
        }

        @Override
        public CompletionStage<Identity> acquire(LabelSet set, String holder) {
            Optional<ReservedIdentity> reserved = ReservedIdentity.byLabels(set);
            if (reserved.isPresent()) {
                return CompletableFuture.completedFuture(reserved.get().identity());
            }
            int id = numbers.computeIfAbsent(set, s -> {
                int n = next.getAndIncrement();
                labels.put(n, s);
                return n;
            });
            uses.get(node).add(id + " " + holder);
            return CompletableFuture.completedFuture(new Identity(id, set));
        }

        @Override
        public void release(int id, String holder) {
            uses.get(node).remove(id + " " + holder);
        }

        @Override
        public Optional<Identity> byId(int id) {
            return ReservedIdentity.byId(id)
                    .map(ReservedIdentity::identity)
                    .or(() -> Optional.ofNullable(labels.get(id)).map(l -> new Identity(id, l)));
        }

        @Override
        public Optional<Identity> byLabels(LabelSet set) {
            return Optional.ofNullable(numbers.get(set)).map(id -> new Identity(id, set));
        }

        @Override
        public List<IdentityUse> all() {
            List<IdentityUse> out = new ArrayList<>();
            labels.forEach((id, l) -> out.add(new IdentityUse(new Identity(id, l), List.of())));
            return out;
        }
    }
}
