package io.membrane.maps;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayoutTest {
    record Key(int id, short port) {}

    /** struct k { __u32 id; __be16 port; } — 8 bytes with 2 of tail padding. */
    static final Layout<Key> KEY = Layout.of(
            "k",
            8,
            List.of(Field.u32("id", 0), Field.be16("port", 4)),
            (k, b, o) -> b.putInt(o, k.id()).putShort(o + 4, Short.reverseBytes(k.port())),
            (b, o) -> new Key(b.getInt(o), Short.reverseBytes(b.getShort(o + 4))));

    @Test
    void encodesLittleEndianWithNetworkOrderFieldsAndZeroPadding() {
        assertEquals("0100000000500000", HexFormat.of().formatHex(KEY.toBytes(new Key(1, (short) 80))));
        assertEquals(new Key(1, (short) 80), KEY.fromBytes(HexFormat.of().parseHex("0100000000500000")));
    }

    /** The same struct declared once: offsets from the order, codec derived. */
    static final Layout<Key> DECLARED = Layout.<Key>struct("k")
            .u32("id", Key::id)
            .be16("port", Key::port)
            .padding("pad", 2)
            .build(m -> new Key(m.u32("id"), (short) m.be16("port")));

    record Pair(Key key, long bytes, byte[] addr) {}

    /** struct pair { struct k key; __u64 bytes; __u8 addr[16]; } */
    static final Layout<Pair> NESTED = Layout.<Pair>struct("pair")
            .struct("key", DECLARED, Pair::key)
            .u64("bytes", Pair::bytes)
            .bytes("addr", 16, Pair::addr)
            .build(m -> new Pair(m.struct("key", DECLARED), m.u64("bytes"), m.bytes("addr", 4)));

    @Test
    void declaredStructDerivesOffsetsAndCodec() {
        assertEquals(List.of(Field.u32("id", 0), Field.be16("port", 4), Field.padding("pad", 6, 2)), DECLARED.fields());
        assertEquals(8, DECLARED.size());
        assertEquals("0100000000500000", HexFormat.of().formatHex(DECLARED.toBytes(new Key(1, (short) 80))));
        assertEquals(new Key(1, (short) 80), DECLARED.fromBytes(HexFormat.of().parseHex("0100000000500000")));
    }

    @Test
    void derivedWriterZeroesPaddingAndTheUnusedTailOfByteArrays() {
        ByteBuffer reused = ByteBuffer.allocate(NESTED.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < NESTED.size(); i++) {
            reused.put(i, (byte) 0xee);
        }
        NESTED.write(new Pair(new Key(7, (short) 443), 9, new byte[] {10, 0, 0, 1}), reused, 0);
        assertEquals(
                "0700000001bb00000900000000000000" + "0a000001" + "000000000000000000000000",
                HexFormat.of().formatHex(reused.array()));
        Pair back = NESTED.read(reused, 0);
        assertEquals(new Key(7, (short) 443), back.key());
        assertEquals(9, back.bytes());
        assertArrayEquals(new byte[] {10, 0, 0, 1}, back.addr());
    }

    @Test
    void nestedStructIsListedAsItsBytesAndAlignsTheOuterStruct() {
        assertEquals(
                List.of(Field.bytes("key", 0, 8), Field.u64("bytes", 8), Field.bytes("addr", 16, 16)), NESTED.fields());
        assertEquals(8, NESTED.alignment());
        assertEquals(4, DECLARED.alignment());
    }

    @Test
    void memberTheCompilerWouldMoveIsRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Layout.<Key>struct("holey").u16("port", k -> 0).u32("id", Key::id));
        assertEquals(
                "holey.id at offset 2 is not 4-byte aligned: C inserts 2 bytes before it; declare them as" + " padding",
                e.getMessage());
    }

    @Test
    void undeclaredTailPaddingIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Layout.<Key>struct("k")
                .u32("id", Key::id)
                .be16("port", Key::port)
                .build(m -> null));
        assertEquals("k: members end at 6, C rounds the size up to 8; declare the tail padding", e.getMessage());
    }

    @Test
    void duplicateMemberIsRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Layout.<Key>struct("k").u32("id", Key::id).u32("id", Key::id));
        assertEquals("k.id is declared twice", e.getMessage());
    }

    @Test
    void readingAnUndeclaredMemberOrAsAnotherKindFailsNamingIt() {
        Layout<Key> typo = Layout.<Key>struct("k").u32("id", Key::id).build(m -> new Key(m.u32("ident"), (short) 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> typo.fromBytes(new byte[4]));
        assertEquals("k.ident: no such member in the declaration", e.getMessage());
        Layout<Key> kind = Layout.<Key>struct("k").u32("id", Key::id).build(m -> new Key(m.be32("id"), (short) 0));
        e = assertThrows(IllegalArgumentException.class, () -> kind.fromBytes(new byte[4]));
        assertEquals("k.id is declared U32, read as BE32", e.getMessage());
    }

    @Test
    void byteArrayLongerThanItsMemberIsRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> NESTED.toBytes(new Pair(new Key(1, (short) 1), 0, new byte[17])));
        assertEquals("pair.addr holds 16 bytes, got 17", e.getMessage());
    }

    @Test
    void overlappingFieldsAreRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Layout.of(
                        "bad", 8, List.of(Field.u32("a", 0), Field.u32("b", 2)), (v, b, o) -> {}, (b, o) -> null));
        assertEquals("bad.b at offset 2 overlaps the member before it (which ends at 4)", e.getMessage());
    }

    @Test
    void fieldPastTheEndIsRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Layout.of("short", 4, List.of(Field.u64("a", 0)), (v, b, o) -> {}, (b, o) -> null));
        assertEquals("short.a ends at 8, past the struct size 4", e.getMessage());
    }

    @Test
    void perCpuSlotsRoundUpToEightBytes() {
        assertEquals(8, Layout.U32.perCpuSlotSize());
        assertEquals(8, Layout.U64.perCpuSlotSize());
        assertEquals(8, KEY.perCpuSlotSize());
        Layout<Integer> twelve = Layout.of("twelve", 12, List.of(Field.u32("a", 0)), (v, b, o) -> {}, (b, o) -> 0);
        assertEquals(16, twelve.perCpuSlotSize());
    }

    @Test
    void possibleCpuListsCountEveryCpu() {
        assertEquals(1, PossibleCpus.parse("0\n"));
        assertEquals(4, PossibleCpus.parse("0-3"));
        assertEquals(5, PossibleCpus.parse("0,2-5"));
    }
}
