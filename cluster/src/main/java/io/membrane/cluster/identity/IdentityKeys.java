package io.membrane.cluster.identity;

import io.membrane.cluster.ddata.LwwDotMap;
import io.membrane.cluster.ddata.LwwDotMapKey;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.ReplicatedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;

/**
 * The Distributed Data keys of the identities: a fixed set, so no tombstones pile up. The table is
 * {@code identity-000..255} (durable, see reference.conf), written by the decider alone, each an LwwDotMap of number
 * to {@link IdentityEntry}, the number's block of {@value #TABLE_BLOCK} in turn ({@code (id / 16) mod 256}): 50,000
 * identities are ~200 per key. The uses are {@code iduse-00..31} (not durable: they describe the members that run
 * now), each an LwwDotMap of a node's unique address to the {@link IdentityUses} it publishes there, by blocks of
 * {@value #USE_BLOCK}; one writer per entry.
 *
 * <p>Why blocks: a write carries a key's whole value (no deltas, see reference.conf), and its cost grows with the
 * key's size (measured: ~30 µs per LwwDotMap entry per write over the lab's three nodes). Numbers are handed out in
 * order, so with blocks a burst of allocations changes a few keys, where numbers spread one by one over every key
 * made a burst of a thousand write all 256 keys, the whole table, at every flush; and small blocks still spread a
 * growing table over every key, where whole ranges (256 numbers a key) made each write carry 256 entries.
 */
final class IdentityKeys {
    static final int TABLE_SHARDS = 256;
    static final int USE_SHARDS = 32;
    static final int TABLE_BLOCK = 16;
    static final int USE_BLOCK = 64;

    private static final List<Key<LwwDotMap<Integer, IdentityEntry>>> TABLE = IntStream.range(0, TABLE_SHARDS)
            .mapToObj(s -> LwwDotMapKey.<Integer, IdentityEntry>create(String.format("identity-%03d", s)))
            .toList();
    private static final List<Key<LwwDotMap<String, IdentityUses>>> USES = IntStream.range(0, USE_SHARDS)
            .mapToObj(s -> LwwDotMapKey.<String, IdentityUses>create(String.format("iduse-%02d", s)))
            .toList();

    private IdentityKeys() {}

    static int tableShard(int id) {
        return (id / TABLE_BLOCK) % TABLE_SHARDS;
    }

    static int useShard(int id) {
        return (id / USE_BLOCK) % USE_SHARDS;
    }

    static Key<LwwDotMap<Integer, IdentityEntry>> table(int shard) {
        return TABLE.get(shard);
    }

    static Key<LwwDotMap<String, IdentityUses>> uses(int shard) {
        return USES.get(shard);
    }

    static boolean isTable(Key<?> key) {
        return key.id().startsWith("identity-");
    }

    /**
     * Subscribes the actor of {@code ctx} to every table and use key, turning each notification into a message of
     * its own: {@code table} or {@code uses} of the shard and its entries (empty when the key was deleted). One
     * adapter for both: a typed actor has one message adapter per message class, so two ReplicatorMessageAdapters
     * that both subscribe would send one kind's notifications to the other's handler.
     */
    @SuppressWarnings("unchecked")
    static <C> void subscribeAll(
            ActorContext<C> ctx,
            BiFunction<Integer, Map<Integer, IdentityEntry>, C> table,
            BiFunction<Integer, Map<String, IdentityUses>, C> uses) {
        Class<Replicator.SubscribeResponse<ReplicatedData>> type =
                (Class<Replicator.SubscribeResponse<ReplicatedData>>) (Class<?>) Replicator.SubscribeResponse.class;
        ActorRef<Replicator.SubscribeResponse<ReplicatedData>> adapter = ctx.messageAdapter(type, rsp -> {
            int shard = shardOf(rsp.key());
            ReplicatedData data = rsp instanceof Replicator.Changed<ReplicatedData> c ? c.get(c.key()) : null;
            return isTable(rsp.key())
                    ? table.apply(
                            shard, data == null ? Map.of() : ((LwwDotMap<Integer, IdentityEntry>) data).getEntries())
                    : uses.apply(
                            shard, data == null ? Map.of() : ((LwwDotMap<String, IdentityUses>) data).getEntries());
        });
        ActorRef<Replicator.Command> replicator =
                DistributedData.get(ctx.getSystem()).replicator();
        for (int s = 0; s < TABLE_SHARDS; s++) {
            replicator.tell(new Replicator.Subscribe<>((Key<ReplicatedData>) (Key<?>) table(s), adapter));
        }
        for (int s = 0; s < USE_SHARDS; s++) {
            replicator.tell(new Replicator.Subscribe<>((Key<ReplicatedData>) (Key<?>) uses(s), adapter));
        }
    }

    static int shardOf(Key<?> key) {
        String id = key.id();
        return Integer.parseInt(id.substring(id.indexOf('-') + 1));
    }

    /** A node's entry name in the use keys: its address and incarnation, so a restarted node is a new writer. */
    static String node(UniqueAddress address) {
        return address.address() + "#" + address.longUid();
    }
}
