package io.membrane.cluster;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;

/**
 * The membership as one actor's own subscription to member events reports it. {@code Cluster.state()} is not that:
 * it is another subscriber's copy, updated on its own schedule, so an actor that has just handled
 * {@code MemberRemoved} can still find the removed member there, Exiting, and keep its entries as if it lived —
 * until the next membership event, which may never come. Members are kept by unique address: a node restarted on
 * the same address joins as a new incarnation, and the old one's removal, which can come after, must not take the
 * new one with it.
 *
 * <p>Not thread-safe: one actor's state.
 */
public final class MembersSeen {
    private final Map<UniqueAddress, MemberStatus> statuses = new HashMap<>();

    /** Records what {@code event} says of its member. */
    public void apply(ClusterEvent.MemberEvent event) {
        if (event instanceof ClusterEvent.MemberRemoved) {
            statuses.remove(event.member().uniqueAddress());
        } else {
            statuses.put(event.member().uniqueAddress(), event.member().status());
        }
    }

    /** The addresses of the members whose entries count: every member seen but those down. */
    public Set<String> addresses() {
        Set<String> out = new HashSet<>();
        statuses.forEach((member, status) -> {
            if (status != MemberStatus.down()) {
                out.add(member.address().toString());
            }
        });
        return out;
    }

    /** Whether a member at {@code address} (any incarnation) is in the cluster and not down. */
    public boolean hasMemberAt(String address) {
        return addresses().contains(address);
    }
}
