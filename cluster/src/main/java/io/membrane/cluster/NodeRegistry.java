package io.membrane.cluster;

import io.membrane.cluster.ddata.ReplicasKnown;
import io.membrane.cluster.wire.NodeInfo;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The node registry in Distributed Data: each node writes its own entry (name, API address, underlay address,
 * when it joined) and removes the entry of a member that left or was downed, so the registry follows the
 * membership. Entries are keyed by node name in one LWWMap: one writer per entry, so last-writer-wins needs no
 * synchronized clocks.
 *
 * <p>A node restarted on the same address is a new incarnation, and its old one is removed about when the new one
 * joins: a peer that hears of the removal late must not take the new entry with it. So a removal is skipped while
 * a member with that address is in the cluster, and a node whose own entry went anyway writes it again.
 */
public final class NodeRegistry {
    /** The registry's one key (the ipcache bridge reads it too, for the nodes' addresses). */
    public static final Key<LWWMap<String, NodeInfo>> KEY = LWWMapKey.create("nodes");

    public sealed interface Command permits Get, Internal {}

    public record Get(ActorRef<Map<String, NodeInfo>> replyTo) implements Command {}

    /** What the replicator, the membership subscription and this actor's own writes answer with. */
    private sealed interface Internal extends Command permits Updated, MemberChanged, Written, MembersKnown {}

    private record Updated(Map<String, NodeInfo> entries) implements Internal {}

    private record MemberChanged(ClusterEvent.MemberEvent event) implements Internal {}

    private record Written(boolean ok) implements Internal {}

    /** The replicator knows every member: this node's entry and the others' are exchanged at once. */
    private record MembersKnown() implements Internal {}

    /** How long the exchange once the replicator knows the members may take (gossip does it otherwise). */
    private static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(3);

    private final ReplicatorMessageAdapter<Command, LWWMap<String, NodeInfo>> replicator;
    private final SelfUniqueAddress node;
    private final NodeInfo self;
    private final String selfAddress;
    /** The registry as last notified, and each entry's name by its cluster address. */
    private final Map<String, NodeInfo> entries = new HashMap<>();

    private final Map<String, String> nameByAddress = new HashMap<>();
    /** The membership as this actor's subscription reports it ({@code Cluster.state()} can lag it). */
    private final MembersSeen members = new MembersSeen();

    private NodeRegistry(
            ReplicatorMessageAdapter<Command, LWWMap<String, NodeInfo>> replicator,
            SelfUniqueAddress node,
            NodeInfo self,
            Cluster cluster) {
        this.replicator = replicator;
        this.node = node;
        this.self = self;
        this.selfAddress = cluster.selfMember().address().toString();
    }

    public static Behavior<Command> create(NodeInfo self) {
        return Behaviors.setup(ctx -> DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, NodeInfo>> replicator) -> {
                    SelfUniqueAddress node =
                            DistributedData.get(ctx.getSystem()).selfUniqueAddress();
                    replicator.subscribe(
                            KEY,
                            rsp -> rsp instanceof Replicator.Changed<LWWMap<String, NodeInfo>> c
                                    ? new Updated(c.get(KEY).getEntries())
                                    : new Updated(Map.of()));
                    ActorRef<ClusterEvent.MemberEvent> events =
                            ctx.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new);
                    Cluster.get(ctx.getSystem())
                            .subscriptions()
                            .tell(Subscribe.create(events, ClusterEvent.MemberEvent.class));
                    NodeRegistry registry = new NodeRegistry(replicator, node, self, Cluster.get(ctx.getSystem()));
                    registry.writeOwn(Replicator.writeLocal());
                    ctx.spawnAnonymous(ReplicasKnown.create(ctx.getSelf(), new MembersKnown()));
                    return registry.running();
                }));
    }

    private Behavior<Command> running() {
        return Behaviors.receive(Command.class)
                .onMessage(Updated.class, this::onUpdated)
                .onMessage(MemberChanged.class, this::onMemberChanged)
                .onMessage(Written.class, w -> Behaviors.same())
                .onMessage(MembersKnown.class, k -> onMembersKnown())
                .onMessage(Get.class, this::onGet)
                .build();
    }

    private void writeOwn(Replicator.WriteConsistency consistency) {
        replicator.askUpdate(
                r -> new Replicator.Update<>(KEY, LWWMap.empty(), consistency, r, m -> m.put(node, self.name(), self)),
                rsp -> new Written(rsp instanceof Replicator.UpdateSuccess));
    }

    /**
     * A node that joins writes its entry to every node and reads the others' from a majority, rather than waiting
     * for gossip (seconds): the ipcache's node entries come from here. The read's answer is not used — what it
     * brings changes this node's replica, and the subscription reports that.
     */
    private Behavior<Command> onMembersKnown() {
        writeOwn(new Replicator.WriteAll(EXCHANGE_TIMEOUT));
        replicator.askGet(
                r -> new Replicator.Get<>(KEY, new Replicator.ReadMajority(EXCHANGE_TIMEOUT), r),
                rsp -> new Written(rsp instanceof Replicator.GetSuccess));
        return Behaviors.same();
    }

    private Behavior<Command> onUpdated(Updated updated) {
        if (!self.equals(updated.entries().get(self.name()))) {
            writeOwn(Replicator.writeLocal());
        }
        entries.clear();
        entries.putAll(updated.entries());
        nameByAddress.clear();
        entries.values().forEach(i -> nameByAddress.put(i.clusterAddress(), i.name()));
        return Behaviors.same();
    }

    /** A removed member's entry goes, written by every node that sees it go (the same removal, idempotent). */
    private Behavior<Command> onMemberChanged(MemberChanged changed) {
        members.apply(changed.event());
        String address = changed.event().member().address().toString();
        String name = nameByAddress.get(address);
        if (changed.event() instanceof ClusterEvent.MemberRemoved
                && name != null
                && !address.equals(selfAddress)
                && !members.hasMemberAt(address)) {
            replicator.askUpdate(
                    r -> new Replicator.Update<>(
                            KEY,
                            LWWMap.empty(),
                            new Replicator.WriteMajority(Duration.ofSeconds(3)),
                            r,
                            m -> m.remove(node, name)),
                    rsp -> new Written(rsp instanceof Replicator.UpdateSuccess));
        }
        return Behaviors.same();
    }

    private Behavior<Command> onGet(Get get) {
        get.replyTo().tell(Map.copyOf(entries));
        return Behaviors.same();
    }
}
