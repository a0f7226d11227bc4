package io.membrane.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayoutTest {
    record Key(int id, short port) {
    }

    /** struct k { __u32 id; __be16 port; } — 8 bytes with 2 of tail padding. */
    static final Layout<Key> KEY = Layout.of("k", 8, List.of(Field.u32("id", 0), Field.be16("port", 4)),
            (k, b, o) -> b.putInt(o, k.id()).putShort(o + 4, Short.reverseBytes(k.port())),
            (b, o) -> new Key(b.getInt(o), Short.reverseBytes(b.getShort(o + 4))));

    @Test
    void encodesLittleEndianWithNetworkOrderFieldsAndZeroPadding() {
        assertEquals("0100000000500000", HexFormat.of().formatHex(KEY.toBytes(new Key(1, (short) 80))));
        assertEquals(new Key(1, (short) 80), KEY.fromBytes(HexFormat.of().parseHex("0100000000500000")));
    }

    @Test
    void overlappingFieldsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Layout.of("bad", 8,
                List.of(Field.u32("a", 0), Field.u32("b", 2)), (v, b, o) -> { }, (b, o) -> null));
        assertEquals("bad.b at offset 2 overlaps the member before it (which ends at 4)", e.getMessage());
    }

    @Test
    void fieldPastTheEndIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Layout.of("short", 4,
                List.of(Field.u64("a", 0)), (v, b, o) -> { }, (b, o) -> null));
        assertEquals("short.a ends at 8, past the struct size 4", e.getMessage());
    }

    @Test
    void perCpuSlotsRoundUpToEightBytes() {
        assertEquals(8, Layout.U32.perCpuSlotSize());
        assertEquals(8, Layout.U64.perCpuSlotSize());
        assertEquals(8, KEY.perCpuSlotSize());
        Layout<Integer> twelve = Layout.of("twelve", 12, List.of(Field.u32("a", 0)), (v, b, o) -> { }, (b, o) -> 0);
        assertEquals(16, twelve.perCpuSlotSize());
    }

    @Test
    void possibleCpuListsCountEveryCpu() {
        assertEquals(1, PossibleCpus.parse("0\n"));
        assertEquals(4, PossibleCpus.parse("0-3"));
        assertEquals(5, PossibleCpus.parse("0,2-5"));
    }
}
