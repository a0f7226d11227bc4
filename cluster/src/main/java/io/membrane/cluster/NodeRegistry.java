package io.membrane.cluster;

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
 */
public final class NodeRegistry {
    static final Key<LWWMap<String, NodeInfo>> KEY = LWWMapKey.create("nodes");

    public sealed interface Command permits Get, Updated, MemberGone, Written {}

    public record Get(ActorRef<Map<String, NodeInfo>> replyTo) implements Command {}

    record Updated(Map<String, NodeInfo> entries) implements Command {}

    record MemberGone(String address) implements Command {}

    record Written(boolean ok) implements Command {}

    private NodeRegistry() {
    }

    public static Behavior<Command> create(NodeInfo self) {
        return Behaviors.setup(ctx -> DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, NodeInfo>> replicator) -> {
                    SelfUniqueAddress node = DistributedData.get(ctx.getSystem()).selfUniqueAddress();
                    Map<String, NodeInfo> entries = new HashMap<>();
                    Map<String, String> nameByAddress = new HashMap<>();
                    replicator.subscribe(KEY, rsp -> rsp instanceof Replicator.Changed<LWWMap<String, NodeInfo>> c
                            ? new Updated(c.get(KEY).getEntries()) : new Updated(Map.of()));
                    replicator.askUpdate(r -> new Replicator.Update<>(KEY, LWWMap.empty(), Replicator.writeLocal(), r,
                            m -> m.put(node, self.name(), self)), rsp -> new Written(rsp instanceof Replicator.UpdateSuccess));
                    ActorRef<ClusterEvent.MemberEvent> events = ctx.messageAdapter(ClusterEvent.MemberEvent.class,
                            e -> new MemberGone(e instanceof ClusterEvent.MemberRemoved
                                    ? e.member().address().toString() : ""));
                    Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(events,
                            ClusterEvent.MemberEvent.class));
                    String selfAddress = Cluster.get(ctx.getSystem()).selfMember().address().toString();
                    return Behaviors.receive(Command.class)
                            .onMessage(Updated.class, u -> {
                                entries.clear();
                                entries.putAll(u.entries());
                                nameByAddress.clear();
                                entries.values().forEach(i -> nameByAddress.put(i.clusterAddress(), i.name()));
                                return Behaviors.same();
                            })
                            .onMessage(MemberGone.class, g -> {
                                String name = nameByAddress.get(g.address());
                                if (!g.address().isEmpty() && name != null && !g.address().equals(selfAddress)) {
                                    replicator.askUpdate(r -> new Replicator.Update<>(KEY, LWWMap.empty(),
                                                    new Replicator.WriteMajority(Duration.ofSeconds(3)), r,
                                                    m -> m.remove(node, name)),
                                            rsp -> new Written(rsp instanceof Replicator.UpdateSuccess));
                                }
                                return Behaviors.same();
                            })
                            .onMessage(Written.class, w -> Behaviors.same())
                            .onMessage(Get.class, g -> {
                                g.replyTo().tell(Map.copyOf(entries));
                                return Behaviors.same();
                            })
                            .build();
                }));
    }
}
