package io.membrane.cluster.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.membrane.maps.net.Cidr;
import java.io.NotSerializableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The serializer on its own, without an actor system: round trips, refusals, limits. */
class KryoSerializerTest {
    private static final String CANARY = "io.membrane.cluster.wire.Canary"; // never Canary.class: no lookup here
    private static final int CHANGE_ID =
            KryoRegistry.topLevel(ForwardedPrefilterChange.class).id();
    private static final int NODE_ID = KryoRegistry.topLevel(NodeInfo.class).id();

    private final RecordingClassLoader loader =
            new RecordingClassLoader(getClass().getClassLoader());
    private final KryoSerializer serializer = new KryoSerializer(loader);

    /** A message that implements the marker but has no entry in the table. */
    record Unregistered(String s) implements WireMessage {}

    // ---- (a) every registered class round-trips -------------------------------------------------------------

    @Test
    void everyMessageRoundTripsThroughTheSerializer() throws Exception {
        for (Object message : WireSamples.messages()) {
            String manifest = serializer.manifest(message);
            assertEquals("v1:" + KryoRegistry.topLevel(message.getClass()).id(), manifest);
            byte[] bytes = serializer.toBinary(message);
            Object back = serializer.fromBinary(bytes, manifest);
            assertEquals(message, back);
            assertEquals(message.getClass(), back.getClass());
            assertArrayEquals(bytes, serializer.toBinary(back), "deterministic bytes (ddata digests them)");
        }
    }

    @Test
    void everyRegisteredClassRoundTripsInsideKryo() {
        Kryo kryo = KryoRegistry.newKryo(loader);
        WireSamples.byClass().forEach((type, samples) -> {
            for (Object sample : samples) {
                Output out = new Output(64, -1);
                kryo.writeClassAndObject(out, sample);
                Object back = kryo.readClassAndObject(new Input(out.toBytes()));
                assertEquals(sample, back, type.getName());
                if (sample instanceof List<?>) {
                    assertInstanceOf(List.of().getClass().getSuperclass(), back, "lists come back immutable");
                    assertThrows(UnsupportedOperationException.class, () -> ((List<?>) back).clear());
                } else {
                    assertEquals(type, back.getClass());
                }
            }
        });
    }

    @Test
    void listsInMessagesAreImmutableCopies() throws Exception {
        ArrayList<String> deny = new ArrayList<>(List.of("10.0.0.0/8"));
        ForwardedPrefilterChange change = new ForwardedPrefilterChange(deny, true, 1);
        deny.add("192.0.2.0/24");
        assertEquals(List.of("10.0.0.0/8"), change.deny());
        ForwardedPrefilterChange back = (ForwardedPrefilterChange)
                serializer.fromBinary(serializer.toBinary(change), serializer.manifest(change));
        assertThrows(UnsupportedOperationException.class, () -> back.deny().add("x"));
    }

    @Test
    void pooledKryosAreSafeAcrossThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        NodeInfo n = new NodeInfo(
                                "n" + i,
                                "h:" + i,
                                "10.0.0." + (i % 250),
                                "pekko://membrane@" + "10.0.0." + (i % 250) + ":25520",
                                i);
                        assertEquals(n, serializer.fromBinary(serializer.toBinary(n), serializer.manifest(n)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- (b) refused without instantiation ------------------------------------------------------------------

    /**
     * The class-by-name form of a Kryo stream, naming {@link Canary}: class marker NAME+2 (= 1), name id 0, then
     * the name in Kryo's string encoding. Canary has no fields, so that is the whole object.
     */
    private static void writeCanaryByName(Output out) {
        out.writeVarInt(1, true);
        out.writeVarInt(0, true);
        out.writeString(CANARY);
    }

    private static byte[] canaryByName() {
        Output out = new Output(64, -1);
        writeCanaryByName(out);
        return out.toBytes();
    }

    /** A ForwardedPrefilterChange whose {@code deny} component (a List, so class-tagged) names Canary instead. */
    private static byte[] changeWithCanaryInside() {
        Output out = new Output(64, -1);
        out.writeBoolean(true); // "add": components go in name order: add, deny, requestId
        writeCanaryByName(out);
        out.writeLong(7L);
        return out.toBytes();
    }

    /** Control: the crafted bytes are a working payload. Kryo without registration builds a Canary from them. */
    @Test
    void controlThePayloadInstantiatesCanaryInAPermissiveKryo() {
        Kryo permissive = new Kryo();
        permissive.setRegistrationRequired(false);
        int before = Canary.Log.CONSTRUCTED.get();
        Object o = permissive.readClassAndObject(new Input(canaryByName()));
        assertEquals(CANARY, o.getClass().getName());
        assertEquals(before + 1, Canary.Log.CONSTRUCTED.get());
    }

    /**
     * Control: Kryo's own "registration required" refuses the class too, but only after loading it by name
     * ({@code Class.forName(name, false, loader)}); the wire Kryo refuses before reading the name.
     */
    @Test
    void controlStockRegistrationRequiredStillLooksTheClassUp() {
        RecordingClassLoader stockLoader = new RecordingClassLoader(getClass().getClassLoader());
        Kryo stock = new Kryo();
        stock.setRegistrationRequired(true);
        stock.setClassLoader(stockLoader);
        assertThrows(IllegalArgumentException.class, () -> stock.readClassAndObject(new Input(canaryByName())));
        assertTrue(stockLoader.requested.contains(CANARY), "stock Kryo loads the named class before refusing it");

        Kryo wire = KryoRegistry.newKryo(loader);
        KryoException e = assertThrows(KryoException.class, () -> wire.readClassAndObject(new Input(canaryByName())));
        assertTrue(e.getMessage().contains("class names are refused"), e.getMessage());
        assertFalse(loader.requested.contains(CANARY));
    }

    @Test
    void unknownManifestsAreRefusedBeforeAnyLookup() {
        int constructed = Canary.Log.CONSTRUCTED.get();
        int initialized = Canary.Log.INITIALIZED.get();
        byte[] payload = canaryByName();
        String[] manifests = {
            "v1:999",
            "v1:99",
            "v1:0",
            "v1:1",
            "v1:-106",
            "v1:+106",
            "v1:0106x",
            "v1:",
            "v1",
            "",
            "v2:" + NODE_ID,
            "V1:" + NODE_ID,
            " v1:" + NODE_ID,
            "v1:99999999999999999999",
            CANARY,
            "L" + CANARY + ";",
            "v1:" + CANARY,
            // registered, but only as parts of messages: not accepted as a whole message
            "v1:100",
            "v1:101",
            "v1:102",
            "v1:103",
            "v1:104",
            "v1:105"
        };
        for (String manifest : manifests) {
            NotSerializableException e = assertThrows(
                    NotSerializableException.class, () -> serializer.fromBinary(payload, manifest), manifest);
            assertTrue(e.getMessage().startsWith("unknown manifest '"), e.getMessage());
            assertTrue(e.getMessage().contains(manifest), e.getMessage());
        }
        assertThrows(NotSerializableException.class, () -> serializer.fromBinary(payload, (String) null));
        assertEquals(constructed, Canary.Log.CONSTRUCTED.get(), "a Canary was constructed");
        assertEquals(initialized, Canary.Log.INITIALIZED.get(), "Canary was initialized");
        assertFalse(loader.requested.contains(CANARY), "the serializer's class loader was asked for Canary");
    }

    @Test
    void aClassNameInsideARegisteredMessageIsRefusedBeforeItIsRead() {
        int constructed = Canary.Log.CONSTRUCTED.get();
        NotSerializableException e = assertThrows(
                NotSerializableException.class,
                () -> serializer.fromBinary(changeWithCanaryInside(), "v1:" + CHANGE_ID));
        assertTrue(e.getMessage().contains("class names are refused"), e.getMessage());
        assertEquals(constructed, Canary.Log.CONSTRUCTED.get());
        assertFalse(loader.requested.contains(CANARY));
    }

    @Test
    void anUnregisteredClassIdInsideAMessageIsRefused() {
        Output out = new Output(64, -1);
        out.writeBoolean(true);
        out.writeVarInt(500 + 2, true); // class id 500, never registered
        out.writeLong(7L);
        NotSerializableException e = assertThrows(
                NotSerializableException.class, () -> serializer.fromBinary(out.toBytes(), "v1:" + CHANGE_ID));
        assertTrue(e.getMessage().contains("unregistered class ID: 500"), e.getMessage());
    }

    // ---- limits and malformed payloads ----------------------------------------------------------------------

    @Test
    void aHugeStringLengthIsRefusedWithoutAllocating() {
        Output out = new Output(64, -1);
        out.writeByte(1); // "address" is not null
        // Kryo's own string header claiming 2^28 characters: for these 5 bytes, Kryo 5.6.2's built-in String
        // serializer allocates a 512 MiB char[] before it notices the payload is short.
        out.writeVarIntFlag(true, (1 << 28) + 1, true);
        NotSerializableException e = assertTimeoutPreemptively(
                Duration.ofSeconds(5),
                () -> assertThrows(
                        NotSerializableException.class, () -> serializer.fromBinary(out.toBytes(), "v1:" + NODE_ID)));
        assertTrue(e.getMessage().contains("exceeds the"), e.getMessage());
    }

    @Test
    void aHugeListCountIsRefusedWithoutAllocating() {
        Output out = new Output(64, -1);
        out.writeBoolean(true);
        out.writeVarInt(101 + 2, true); // ImmutableCollections.ListN
        out.writeVarInt(Integer.MAX_VALUE, true);
        NotSerializableException e = assertThrows(
                NotSerializableException.class, () -> serializer.fromBinary(out.toBytes(), "v1:" + CHANGE_ID));
        assertTrue(e.getMessage().contains("exceeds the"), e.getMessage());
    }

    @Test
    void deepNestingIsRefused() {
        Output out = new Output(64, -1);
        out.writeBoolean(true);
        for (int i = 0; i < 1_000; i++) {
            out.writeVarInt(101 + 2, true); // a ListN of one element: the next list
            out.writeVarInt(1, true);
        }
        out.writeVarInt(101 + 2, true);
        out.writeVarInt(0, true);
        out.writeLong(7L);
        NotSerializableException e = assertThrows(
                NotSerializableException.class, () -> serializer.fromBinary(out.toBytes(), "v1:" + CHANGE_ID));
        assertTrue(e.getMessage().contains("Max depth exceeded"), e.getMessage());
    }

    @Test
    void malformedPayloadsAreNotSerializable() throws Exception {
        NodeInfo node = new NodeInfo("n", "a:1", "10.0.0.1", "pekko://membrane@10.0.0.1:25520", 5);
        byte[] good = serializer.toBinary(node);
        String manifest = serializer.manifest(node);
        // trailing bytes
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertTrue(assertThrows(NotSerializableException.class, () -> serializer.fromBinary(longer, manifest))
                .getMessage()
                .contains("1 trailing bytes"));
        // every truncation
        for (int n = 0; n < good.length; n++) {
            byte[] cut = Arrays.copyOf(good, n);
            assertThrows(NotSerializableException.class, () -> serializer.fromBinary(cut, manifest), "cut at " + n);
        }
        // a null where the canonical constructor refuses one ("name" is the third component by name)
        Kryo kryo = KryoRegistry.newKryo(loader);
        Output out = new Output(64, -1);
        kryo.writeObjectOrNull(out, "a:1", String.class); // address
        kryo.writeObject(out, 5L); // joinedAtMillis
        kryo.writeObjectOrNull(out, null, String.class); // name
        kryo.writeObjectOrNull(out, "10.0.0.1", String.class); // underlay
        NotSerializableException e =
                assertThrows(NotSerializableException.class, () -> serializer.fromBinary(out.toBytes(), manifest));
        assertInstanceOf(KryoException.class, e.getCause());
        // invalid UTF-8 in a string
        Output bad = new Output(64, -1);
        bad.writeByte(1);
        bad.writeVarInt(2, true);
        bad.writeBytes(new byte[] {(byte) 0xc3, (byte) 0x28});
        assertTrue(assertThrows(NotSerializableException.class, () -> serializer.fromBinary(bad.toBytes(), manifest))
                .getMessage()
                .contains("not valid UTF-8"));
        // too large
        assertThrows(
                NotSerializableException.class,
                () -> serializer.fromBinary(new byte[KryoSerializer.MAX_PAYLOAD_BYTES + 1], manifest));
        // the serializer still works after all that (failed Kryo instances are dropped)
        assertEquals(node, serializer.fromBinary(good, manifest));
    }

    // ---- (c) toBinary of what is not registered -------------------------------------------------------------

    @Test
    void toBinaryRefusesWhatIsNotARegisteredMessage() {
        Object[] refused = {new Unregistered("x"), new Object(), "a string", Cidr.parse("10.0.0.0/8"), List.of("x")};
        for (Object o : refused) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> serializer.toBinary(o));
            assertTrue(e.getMessage().contains(o.getClass().getName()), e.getMessage());
            assertTrue(e.getMessage().contains("not a message registered in KryoRegistry"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> serializer.manifest(o));
        }
        assertThrows(IllegalArgumentException.class, () -> serializer.toBinary(null));
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void toBinaryNamesAnUnregisteredClassInsideAMessage() {
        List smuggled = List.of(new StringBuilder("10.0.0.0/8"));
        ForwardedPrefilterChange change = new ForwardedPrefilterChange(smuggled, true, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> serializer.toBinary(change));
        assertTrue(e.getMessage().contains("java.lang.StringBuilder"), e.getMessage());
        assertTrue(e.getMessage().contains(ForwardedPrefilterChange.class.getName()), e.getMessage());
    }

    @Test
    void stringsRoundTripWhateverTheirCharacters() throws Exception {
        // The ASCII fast path must not take a string whose unmappable characters Latin-1 turned into '?'.
        for (String name : List.of("", "n1", "a?b", "?", "wéb", "\u0100?", "?\u4e16", "x\ud83d\ude00?", "é?\u0101")) {
            NodeInfo node = new NodeInfo(name, "10.0.0.1", "", "pekko://membrane@:25520", 0);
            Object back = serializer.fromBinary(serializer.toBinary(node), serializer.manifest(node));
            assertEquals(node, back, name);
        }
        NodeInfo broken = new NodeInfo("?\ud800?", "", "", "pekko://membrane@:25520", 0);
        assertThrows(IllegalArgumentException.class, () -> serializer.toBinary(broken));
    }

    @Test
    void toBinaryRefusesUnpairedSurrogates() {
        NodeInfo broken = new NodeInfo("\ud800", "", "", "pekko://membrane@:25520", 0);
        assertThrows(IllegalArgumentException.class, () -> serializer.toBinary(broken));
        assertNotEquals(
                0, serializer.toBinary(new NodeInfo("\ud83d\ude00", "", "", "pekko://membrane@:25520", 0)).length);
    }
}
