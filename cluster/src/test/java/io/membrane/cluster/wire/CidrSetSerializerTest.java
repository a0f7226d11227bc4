package io.membrane.cluster.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.io.Output;
import io.membrane.cluster.ddata.CidrSet;
import io.membrane.maps.net.Cidr;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.UniqueAddress;
import org.junit.jupiter.api.Test;

/**
 * The deny list's wire form: compact, canonical (equal sets, equal bytes: the replicator digests them), and
 * strict when reading (order, host bits, node indexes and dots are checked).
 */
class CidrSetSerializerTest {
    private static final UniqueAddress A = new UniqueAddress(new Address("pekko", "membrane", "10.0.0.1", 25520), 11L);
    private static final UniqueAddress B = new UniqueAddress(new Address("pekko", "membrane", "10.0.0.2", 25520), 12L);
    private static final String MANIFEST =
            "v1:" + KryoRegistry.topLevel(CidrSet.class).id();

    private final KryoSerializer serializer = new KryoSerializer(getClass().getClassLoader());

    private static List<Cidr> hosts(int n, long seed) {
        Random random = new Random(seed);
        List<Cidr> out = new ArrayList<>();
        while (out.size() < n) {
            Cidr c = Cidr.parse("10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256));
            if (!out.contains(c)) {
                out.add(c);
            }
        }
        return out;
    }

    @Test
    void equalSetsBuiltInDifferentOrdersMakeEqualBytes() throws Exception {
        List<Cidr> cidrs = hosts(400, 1);
        List<Cidr> shuffled = new ArrayList<>(cidrs);
        Collections.shuffle(shuffled, new Random(2));
        // Same events, same dots: A adds the list in one order on one replica; another replica hears it by merge
        // after its own B-side adds and removals, in another order.
        CidrSet one = CidrSet.empty().addAll(A, cidrs);
        CidrSet two = CidrSet.empty()
                .add(B, Cidr.parse("198.51.100.0/24"))
                .remove(Cidr.parse("198.51.100.0/24"))
                .mergeData(one);
        CidrSet three = CidrSet.empty()
                .mergeData(one)
                .mergeData(CidrSet.empty().add(B, Cidr.parse("198.51.100.0/24")).remove(Cidr.parse("198.51.100.0/24")));
        assertEquals(two, three);
        assertArrayEquals(serializer.toBinary(two), serializer.toBinary(three));
        CidrSet back = (CidrSet) serializer.fromBinary(serializer.toBinary(two), MANIFEST);
        assertEquals(two, back);
        assertEquals(two.elements(), back.elements());
    }

    @Test
    void aKeyOfFourHundredHostsIsAFewKilobytes() {
        int bytes = serializer.toBinary(CidrSet.empty().addAll(A, hosts(400, 3))).length;
        // 4-byte address, length, tag, a one-entry dot: about 9 bytes per element and the node table once.
        assertTrue(bytes < 400 * 11, bytes + " bytes for 400 hosts");
    }

    private Output header(int nodes) {
        Output out = new Output(256, -1);
        out.writeVarInt(nodes, true);
        for (UniqueAddress n : List.of(A, B).subList(0, nodes)) {
            for (String s : List.of("pekko", "membrane", n.address().host().get())) {
                byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.writeVarInt(b.length, true);
                out.writeBytes(b);
            }
            out.writeVarInt(25520, true);
            out.writeLong(n.longUid());
        }
        return out;
    }

    private static void v4(Output out, int address, int length, int node, long counter) {
        out.writeByte(4);
        out.writeInt(address);
        out.writeByte(length);
        out.writeVarInt(1, true);
        out.writeVarInt(node, true);
        out.writeVarLong(counter, true);
    }

    private CidrSet read(Output out) throws NotSerializableException {
        return (CidrSet) serializer.fromBinary(out.toBytes(), MANIFEST);
    }

    /** The set's vector: node 0 at 2. */
    private static void versions(Output out) {
        out.writeVarInt(1, true);
        out.writeVarInt(0, true);
        out.writeVarLong(2, true);
    }

    @Test
    void aHandWrittenPayloadReadsBackAndTheControlsHold() throws Exception {
        Output good = header(1);
        versions(good);
        good.writeVarInt(2, true);
        v4(good, 0x0a000000, 8, 0, 1);
        v4(good, 0x0b000000, 8, 0, 2);
        CidrSet s = read(good);
        assertEquals(
                List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("11.0.0.0/8")),
                s.elements().stream().sorted().toList());
        assertArrayEquals(good.toBytes(), serializer.toBinary(s), "the hand-written form is the canonical one");
    }

    @Test
    void elementsOutOfOrderOrTwiceAreRefused() {
        for (int[] order : new int[][] {{0x0b000000, 0x0a000000}, {0x0a000000, 0x0a000000}}) {
            Output out = header(1);
            versions(out);
            out.writeVarInt(2, true);
            v4(out, order[0], 8, 0, 1);
            v4(out, order[1], 8, 0, 2);
            assertTrue(assertThrows(NotSerializableException.class, () -> read(out))
                    .getMessage()
                    .contains("ascending"));
        }
    }

    @Test
    void hostBitsABadNodeIndexAndUnseenDotsAreRefused() {
        Output hostBits = header(1);
        versions(hostBits);
        hostBits.writeVarInt(1, true);
        v4(hostBits, 0x0a000001, 8, 0, 1);
        assertTrue(assertThrows(NotSerializableException.class, () -> read(hostBits))
                .getMessage()
                .contains("host bits"));

        Output badIndex = header(1);
        versions(badIndex);
        badIndex.writeVarInt(1, true);
        v4(badIndex, 0x0a000000, 8, 1, 1);
        assertTrue(assertThrows(NotSerializableException.class, () -> read(badIndex))
                .getMessage()
                .contains("node index"));

        Output unseen = header(1);
        versions(unseen);
        unseen.writeVarInt(1, true);
        v4(unseen, 0x0a000000, 8, 0, 3); // the set's vector says node 0 made 2 events
        assertTrue(assertThrows(NotSerializableException.class, () -> read(unseen))
                .getMessage()
                .contains("newer"));

        Output family = header(1);
        versions(family);
        family.writeVarInt(1, true);
        family.writeByte(5);
        assertTrue(assertThrows(NotSerializableException.class, () -> read(family))
                .getMessage()
                .contains("family"));
    }

    @Test
    void hugeCountsAreRefusedWithoutAllocating() {
        Output nodes = new Output(16, -1);
        nodes.writeVarInt(Integer.MAX_VALUE, true);
        assertThrows(NotSerializableException.class, () -> read(nodes));
        Output elements = header(1);
        versions(elements);
        elements.writeVarInt(1_000_000_000, true);
        assertThrows(NotSerializableException.class, () -> read(elements));
    }
}
