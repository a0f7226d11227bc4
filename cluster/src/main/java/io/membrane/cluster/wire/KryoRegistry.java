package io.membrane.cluster.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.serializers.RecordSerializer;
import io.membrane.cluster.ddata.CidrSet;
import io.membrane.cluster.ddata.LwwDotMap;
import io.membrane.cluster.identity.AllocateIdentities;
import io.membrane.cluster.identity.IdentitiesGranted;
import io.membrane.cluster.identity.IdentityEntry;
import io.membrane.cluster.identity.IdentityGranted;
import io.membrane.cluster.identity.IdentityUses;
import io.membrane.cluster.probe.ClusterProbe;
import io.membrane.maps.net.Cidr;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The one table of every class Membrane puts on the wire or into Distributed Data, each with a fixed Kryo id and
 * its Kryo serializer.
 *
 * <h2>Rules for the table</h2>
 * <ul>
 *   <li><b>Append only.</b> A new class gets the next id after the highest one in the table. An id is never
 *       changed and never reused: a class that leaves the wire moves its id to {@link #RETIRED_IDS}. Nodes of
 *       different versions meet during a rolling upgrade, and an id that changes meaning decodes into the wrong
 *       class.</li>
 *   <li>Ids are {@code >= 100}. Kryo itself holds ids 0..8 for the primitives and {@code String} (whose
 *       serializer this registry replaces with a bounded one, keeping id 1).</li>
 *   <li>Top-level entries (those whose class implements {@link WireMessage}) are what {@link KryoSerializer}
 *       accepts as a message; the others may only appear inside one.</li>
 *   <li>Records use Kryo's {@link RecordSerializer}: components are written in the order of their <i>names</i>
 *       and read back through the canonical constructor, so its validation runs on every payload. Adding,
 *       removing, renaming or retyping a component changes the wire format: for a message that must work across
 *       a rolling upgrade, add a new record under a new id instead and keep the old one until no node sends it.</li>
 *   <li><b>Lists:</b> a record with a {@code List} component copies it with {@code List.copyOf} in its canonical
 *       constructor. Only the JDK's immutable lists ({@code List.of}/{@code List.copyOf}) are registered; an
 *       {@code ArrayList} or a view list in a message fails loudly in {@code toBinary}. Lists come back as
 *       {@code List.of(...)} and never hold nulls.</li>
 * </ul>
 *
 * <h2>Kryo settings</h2>
 * Registration required; references off (wire values are trees); Kryo's default instantiator strategy (no
 * Objenesis: objects are built through their constructors); class names refused ({@link WireClassResolver});
 * nesting depth at most {@link #MAX_DEPTH}; every length read from a payload bounded by its remaining bytes.
 */
public final class KryoRegistry {
    /** The lowest id the table may use. */
    public static final int FIRST_ID = 100;

    /** The deepest nesting of objects a payload may have. */
    public static final int MAX_DEPTH = 32;

    /** One registration: a fixed id, the class, and how to make its serializer (one per Kryo instance). */
    public record Entry(int id, Class<?> type, Supplier<Serializer<?>> serializer) {
        /** Whether {@link KryoSerializer} accepts this class as a whole message. */
        public boolean topLevel() {
            return WireMessage.class.isAssignableFrom(type);
        }
    }

    private static final Class<?> LIST_12 = List.of(1).getClass();
    private static final Class<?> LIST_N = List.of().getClass();

    /** THE table. Append only; see the class comment. The next free id is 120. */
    private static final List<Entry> TABLE = List.of(
            // JDK types the messages use (String is Kryo's id 1).
            entry(100, LIST_12, WireSerializers.ImmutableListSerializer::new),
            entry(101, LIST_N, WireSerializers.ImmutableListSerializer::new),
            // Domain types from other modules.
            record(102, Ipv4Prefix.class),
            entry(103, Ipv6Prefix.class, WireSerializers.Ipv6PrefixSerializer::new),
            record(104, Cidr.V4.class),
            record(105, Cidr.V6.class),
            // Messages and Distributed Data values.
            record(106, NodeInfo.class),
            record(107, ForwardedPrefilterChange.class),
            record(108, ForwardedPrefilterResult.class),
            entry(109, CidrSet.class, WireSerializers.CidrSetSerializer::new),
            record(110, IpClaim.class),

            // Identities: the decider's protocol and the table and use values in Distributed Data.
            record(112, IdentityGranted.class),
            record(113, IdentityEntry.class),
            entry(114, IdentityUses.class, IdentityUses.Serializer::new),
            // The probe of Artery round trips (GET /v1/cluster/rtt).
            record(115, ClusterProbe.Ping.class),
            record(116, ClusterProbe.Pong.class),
            // The decider's protocol in batches (replaced AllocateIdentity, 111).
            record(117, AllocateIdentities.class),
            record(118, IdentitiesGranted.class),
            // The map of the identity table, the uses and the ipcache claims (instead of Pekko's LWWMap).
            entry(119, LwwDotMap.class, WireSerializers.LwwDotMapSerializer::new));

    /** Ids that were used once and whose classes left the wire: never to be given out again. */
    public static final Set<Integer> RETIRED_IDS = Set.of(111);

    private static final Map<Class<?>, Entry> BY_CLASS;
    private static final Map<Integer, Entry> TOP_LEVEL_BY_ID;

    static {
        Map<Class<?>, Entry> byClass = new IdentityHashMap<>();
        Map<Integer, Entry> topById = new HashMap<>();
        Set<Integer> ids = new HashSet<>();
        for (Entry e : TABLE) {
            if (e.id() < FIRST_ID) {
                throw new IllegalStateException(
                        "KryoRegistry: id " + e.id() + " of " + e.type().getName() + " < " + FIRST_ID);
            }
            if (!ids.add(e.id()) || RETIRED_IDS.contains(e.id())) {
                throw new IllegalStateException("KryoRegistry: id " + e.id() + " used twice or retired");
            }
            if (byClass.put(e.type(), e) != null) {
                throw new IllegalStateException("KryoRegistry: " + e.type().getName() + " registered twice");
            }
            if (e.topLevel()) {
                topById.put(e.id(), e);
            }
        }
        BY_CLASS = Collections.unmodifiableMap(byClass);
        TOP_LEVEL_BY_ID = Map.copyOf(topById);
    }

    private KryoRegistry() {}

    private static Entry entry(int id, Class<?> type, Supplier<Serializer<?>> serializer) {
        return new Entry(id, type, serializer);
    }

    private static <T extends Record> Entry record(int id, Class<T> type) {
        return new Entry(id, type, () -> new RecordSerializer<>(type));
    }

    /** The whole table, in id order. */
    public static List<Entry> entries() {
        return TABLE;
    }

    /** The entry of a class that may be a whole message, or null. */
    static Entry topLevel(Class<?> type) {
        Entry e = BY_CLASS.get(type);
        return e != null && e.topLevel() ? e : null;
    }

    /** The top-level entry with this id, or null; never loads or looks up a class. */
    static Entry topLevel(int id) {
        return TOP_LEVEL_BY_ID.get(id);
    }

    /**
     * A Kryo configured for the wire: this registry's table, registration required, class names refused.
     * Kryo is not thread-safe: use one per thread, or pool them as {@link KryoSerializer} does.
     *
     * @param classLoader the loader Kryo would resolve names with (it never does: names are refused)
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Kryo newKryo(ClassLoader classLoader) {
        Kryo kryo = new Kryo(new WireClassResolver(), null);
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        kryo.setWarnUnregisteredClasses(false);
        kryo.setMaxDepth(MAX_DEPTH);
        kryo.setClassLoader(classLoader);
        kryo.register(String.class, new WireSerializers.StringSerializer()); // keeps Kryo's id 1
        for (Entry e : TABLE) {
            kryo.register((Class) e.type(), (Serializer) e.serializer().get(), e.id());
        }
        return kryo;
    }
}
