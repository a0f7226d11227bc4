package io.membrane.cluster.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import java.io.Serializable;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class KryoRegistryTest {
    @Test
    void idsAreUniqueAtLeast100AndNeverRetired() {
        Set<Integer> ids = new HashSet<>();
        Set<Class<?>> classes = new HashSet<>();
        int previous = KryoRegistry.FIRST_ID - 1;
        for (KryoRegistry.Entry e : KryoRegistry.entries()) {
            assertTrue(e.id() >= 100, e + ": id below 100");
            assertTrue(ids.add(e.id()), e + ": id used twice");
            assertTrue(classes.add(e.type()), e + ": class registered twice");
            assertFalse(KryoRegistry.RETIRED_IDS.contains(e.id()), e + ": retired id reused");
            assertTrue(e.id() > previous, e + ": the table is append only, in id order");
            previous = e.id();
        }
    }

    @Test
    void messagesAreWireMessagesAndNotJavaSerializable() {
        long messages = KryoRegistry.entries().stream()
                .filter(KryoRegistry.Entry::topLevel)
                .count();
        assertTrue(messages > 0);
        for (KryoRegistry.Entry e : KryoRegistry.entries()) {
            assertFalse(
                    Serializable.class.isAssignableFrom(e.type()) && e.topLevel(),
                    e.type() + " must not be java.io.Serializable (ambiguous binding, Java serialization is off)");
        }
    }

    /** The Kryo holds Kryo's own ids 0..8 (primitives, String with our serializer) and the table: nothing else. */
    @Test
    void kryoHoldsExactlyTheBuiltInsAndTheTable() {
        Kryo kryo = KryoRegistry.newKryo(getClass().getClassLoader());
        assertTrue(kryo.isRegistrationRequired());
        assertFalse(kryo.getReferences());
        Map<Integer, Class<?>> registered = new TreeMap<>();
        for (int id = -1; id < 10_000; id++) {
            Registration r = kryo.getClassResolver().getRegistration(id);
            if (r != null) {
                registered.put(id, r.getType());
            }
        }
        Map<Integer, Class<?>> expected = new TreeMap<>(Map.of(
                0,
                int.class,
                1,
                String.class,
                2,
                float.class,
                3,
                boolean.class,
                4,
                byte.class,
                5,
                char.class,
                6,
                short.class,
                7,
                long.class,
                8,
                double.class));
        KryoRegistry.entries().forEach(e -> expected.put(e.id(), e.type()));
        assertEquals(expected, registered);
        assertSame(
                WireSerializers.StringSerializer.class,
                kryo.getRegistration(String.class).getSerializer().getClass());
        assertSame(WireClassResolver.class, kryo.getClassResolver().getClass());
    }

    @Test
    void everyRegisteredClassHasASample() {
        Set<Class<?>> registered =
                KryoRegistry.entries().stream().map(KryoRegistry.Entry::type).collect(Collectors.toSet());
        assertEquals(registered, WireSamples.byClass().keySet(), "add a sample to WireSamples for every new entry");
        WireSamples.byClass().forEach((type, samples) -> samples.forEach(s -> assertSame(type, s.getClass(), s + "")));
    }

    @Test
    void topLevelLookupOnlyFindsMessages() {
        for (KryoRegistry.Entry e : KryoRegistry.entries()) {
            if (e.topLevel()) {
                assertSame(e, KryoRegistry.topLevel(e.id()));
                assertSame(e, KryoRegistry.topLevel(e.type()));
            } else {
                assertNull(KryoRegistry.topLevel(e.id()));
                assertNull(KryoRegistry.topLevel(e.type()));
            }
        }
        assertNotNull(KryoRegistry.topLevel(NodeInfo.class));
        assertNull(KryoRegistry.topLevel(99));
    }
}
