package io.membrane.cluster.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.io.Output;
import io.membrane.cluster.ddata.CidrSet;
import io.membrane.maps.net.Cidr;
import java.io.ByteArrayOutputStream;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.serialization.DisabledJavaSerializer;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.util.Try;

/** The serializer as Pekko finds it: through this module's reference.conf in a real actor system. */
class WireSerializationSystemTest {
    private static ActorTestKit testKit;
    private static Serialization serialization;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create("wire");
        serialization = SerializationExtension.get(testKit.system().classicSystem());
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    /** What a remote send does: serialize with the bound serializer, then deserialize by its id and manifest. */
    private static Object remoteRoundTrip(Object message) {
        Serializer s = serialization.findSerializerFor(message);
        String manifest = Serializers.manifestFor(s, message);
        byte[] bytes = serialization.serialize(message).get();
        return serialization.deserialize(bytes, s.identifier(), manifest).get();
    }

    // ---- (a) every message is bound to the Kryo serializer and round-trips ---------------------------------

    @Test
    void everyMessageIsBoundToKryoAndRoundTrips() throws Exception {
        Serializer ours = serialization.serializerByIdentity().apply(KryoSerializer.IDENTIFIER);
        assertInstanceOf(KryoSerializer.class, ours);
        for (KryoRegistry.Entry e : KryoRegistry.entries()) {
            if (e.topLevel()) {
                assertSame(ours, serialization.serializerFor(e.type()), e.type().getName());
            }
        }
        for (Object message : WireSamples.messages()) {
            assertSame(ours, serialization.findSerializerFor(message), message.toString());
            assertEquals(message, remoteRoundTrip(message));
        }
    }

    /** The registry values as Distributed Data holds them: Pekko's ddata serializer calls ours for each value. */
    @Test
    void distributedDataValuesRoundTrip() {
        SelfUniqueAddress self =
                new SelfUniqueAddress(new UniqueAddress(new Address("pekko", "wire", "127.0.0.1", 25520), 17L));
        LWWMap<String, NodeInfo> registry = LWWMap.<String, NodeInfo>empty()
                .put(
                        self,
                        "node-1",
                        new NodeInfo("node-1", "10.0.0.1:9090", "10.0.0.1", "pekko://membrane@10.0.0.1:25520", 1L))
                .put(
                        self,
                        "node-2",
                        new NodeInfo("node-2", "10.0.0.2:9090", "10.0.0.2", "pekko://membrane@10.0.0.2:25520", 2L));
        @SuppressWarnings("unchecked")
        LWWMap<String, NodeInfo> back = (LWWMap<String, NodeInfo>) remoteRoundTrip(registry);
        assertEquals(registry.getEntries(), back.getEntries());
        assertEquals(registry, back);

        CidrSet deny = CidrSet.empty()
                .addAll(self.uniqueAddress(), List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8::/32")));
        CidrSet set = (CidrSet) remoteRoundTrip(deny);
        assertEquals(deny, set);
        assertEquals(Set.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8::/32")), set.elements());
    }

    // ---- (c) the marker binds, the registry still refuses ----------------------------------------------------

    @Test
    void anUnregisteredWireMessageIsBoundButRefused() {
        KryoSerializerTest.Unregistered u = new KryoSerializerTest.Unregistered("x");
        assertInstanceOf(KryoSerializer.class, serialization.findSerializerFor(u));
        Try<byte[]> result = serialization.serialize(u);
        assertTrue(result.isFailure());
        Throwable t = result.failed().get();
        assertInstanceOf(IllegalArgumentException.class, t);
        assertTrue(t.getMessage().contains(KryoSerializerTest.Unregistered.class.getName()), t.getMessage());
    }

    // ---- (d) Java serialization is off ----------------------------------------------------------------------

    record JavaOnly(String s) implements java.io.Serializable {}

    @Test
    void javaSerializationIsOff() throws Exception {
        assertFalse(serialization.AllowJavaSerialization());
        assertFalse(testKit.system().settings().config().getBoolean("pekko.actor.allow-java-serialization"));
        JavaOnly plain = new JavaOnly("x");
        Serializer s = serialization.findSerializerFor(plain);
        assertInstanceOf(DisabledJavaSerializer.class, s, "Pekko puts DisabledJavaSerializer in place of Java's");
        assertEquals(1, s.identifier());
        Try<byte[]> out = serialization.serialize(plain);
        assertTrue(out.isFailure());
        assertInstanceOf(
                DisabledJavaSerializer.JavaSerializationException.class,
                out.failed().get());

        // Incoming: real Java-serialized bytes under the Java serializer's id are refused unread.
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(buffer)) {
            oos.writeObject(new Canary.JavaCanary());
        }
        int constructed = Canary.JavaCanary.CONSTRUCTED.get();
        Try<Object> in = serialization.deserialize(buffer.toByteArray(), 1, "");
        assertTrue(in.isFailure());
        assertInstanceOf(
                DisabledJavaSerializer.JavaSerializationException.class,
                in.failed().get());
        assertEquals(0, Canary.JavaCanary.DESERIALIZED.get(), "readObject ran");
        assertEquals(constructed, Canary.JavaCanary.CONSTRUCTED.get());
    }

    // ---- (b) in a real system: refused without the class ever being looked up -------------------------------

    @Test
    void aSystemsSerializerNeverLooksUpAClassAPayloadNames() {
        RecordingClassLoader loader = new RecordingClassLoader(getClass().getClassLoader());
        ActorSystem<Void> system = ActorSystem.create(
                Behaviors.empty(),
                "wire-loader",
                org.apache.pekko.actor.BootstrapSetup.create(Optional.of(loader), Optional.empty(), Optional.empty()));
        try {
            Serialization ser = SerializationExtension.get(system.classicSystem());
            assertTrue(
                    loader.requested.contains(KryoSerializer.class.getName()), "the system uses the recording loader");
            String canary = "io.membrane.cluster.wire.Canary";
            Output byName = new Output(64, -1);
            byName.writeVarInt(1, true);
            byName.writeVarInt(0, true);
            byName.writeString(canary);
            Output inside = new Output(64, -1);
            inside.writeBoolean(true);
            inside.writeBytes(byName.toBytes());
            inside.writeLong(1L);
            int changeId = KryoRegistry.topLevel(ForwardedPrefilterChange.class).id();
            int constructed = Canary.Log.CONSTRUCTED.get();

            for (Map.Entry<String, byte[]> c : Map.of(
                            "v1:999", byName.toBytes(), canary, byName.toBytes(), "v1:" + changeId, inside.toBytes())
                    .entrySet()) {
                Try<Object> r = ser.deserialize(c.getValue(), KryoSerializer.IDENTIFIER, c.getKey());
                assertTrue(r.isFailure(), c.getKey());
                assertInstanceOf(NotSerializableException.class, r.failed().get(), c.getKey());
            }
            assertNotNull(ser.deserialize(new byte[0], KryoSerializer.IDENTIFIER, "v1:999")
                    .failed()
                    .get());
            assertEquals(constructed, Canary.Log.CONSTRUCTED.get());
            assertFalse(loader.requested.contains(canary), "the system's class loader was asked for " + canary);
        } finally {
            ActorTestKit.shutdown(system);
        }
    }

    @Test
    void serializerIdentifierIsOutsidePekkosReservedRange() {
        assertTrue(KryoSerializer.IDENTIFIER > 40);
        assertEquals(
                List.of("membrane-kryo"),
                List.of(testKit.system()
                        .settings()
                        .config()
                        .getString("pekko.actor.serialization-bindings.\"io.membrane.cluster.wire.WireMessage\"")));
    }
}
