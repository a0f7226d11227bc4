package io.membrane.cluster.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.io.Output;
import io.membrane.cluster.ddata.LwwDotMap;
import io.membrane.cluster.identity.IdentityEntry;
import java.io.NotSerializableException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.junit.jupiter.api.Test;

/**
 * The identity table's wire form: equal maps make equal bytes whatever order they were built in (the replicator
 * digests them), a key of 200 identities is a few kilobytes, and keys out of order are refused.
 */
class LwwDotMapSerializerTest {
    private static final SelfUniqueAddress A =
            new SelfUniqueAddress(new UniqueAddress(new Address("pekko", "membrane", "10.0.0.1", 25520), 11L));
    private static final String MANIFEST =
            "v1:" + KryoRegistry.topLevel(LwwDotMap.class).id();

    private final KryoSerializer serializer = new KryoSerializer(getClass().getClassLoader());

    @Test
    void equalMapsMakeEqualBytesAndReadBack() throws Exception {
        LwwDotMap<Integer, IdentityEntry> one = LwwDotMap.empty();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ids.add(256 + i * 16);
        }
        for (int id : ids) {
            one = one.put(A, id, new IdentityEntry("user:app=a" + id));
        }
        List<Integer> shuffled = new ArrayList<>(ids);
        Collections.shuffle(shuffled, new Random(1));
        // The same map heard by merge, in another order, on another replica.
        LwwDotMap<Integer, IdentityEntry> two =
                LwwDotMap.<Integer, IdentityEntry>empty().mergeData(one);
        assertEquals(one, two);
        byte[] bytes = serializer.toBinary(one);
        assertArrayEquals(bytes, serializer.toBinary(two));
        assertEquals(one, serializer.fromBinary(bytes, MANIFEST));
        assertTrue(bytes.length < 200 * 40, bytes.length + " bytes for 200 identities");
    }

    @Test
    void keysOutOfOrderAreRefused() throws Exception {
        LwwDotMap<Integer, IdentityEntry> m = LwwDotMap.<Integer, IdentityEntry>empty()
                .put(A, 256, new IdentityEntry("user:a"))
                .put(A, 257, new IdentityEntry("user:b"));
        byte[] bytes = serializer.toBinary(m);
        // The two keys are Kryo ints in the payload: swap 256 and 257 where they are written (Latin-1 keeps bytes).
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        String k256 = new String(encoded(256), StandardCharsets.ISO_8859_1);
        String k257 = new String(encoded(257), StandardCharsets.ISO_8859_1);
        int at = text.indexOf(k256);
        int next = text.indexOf(k257, at + k256.length());
        assertTrue(at > 0 && next > at, "both keys found in the payload");
        byte[] swapped = bytes.clone();
        System.arraycopy(encoded(257), 0, swapped, at, k257.length());
        System.arraycopy(encoded(256), 0, swapped, next, k256.length());
        assertTrue(assertThrows(NotSerializableException.class, () -> serializer.fromBinary(swapped, MANIFEST))
                .getMessage()
                .contains("ascending"));
    }

    private static byte[] encoded(int key) {
        Output o = new Output(16);
        new com.esotericsoftware.kryo.Kryo().writeClassAndObject(o, key);
        return o.toBytes();
    }
}
