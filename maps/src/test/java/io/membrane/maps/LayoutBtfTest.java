package io.membrane.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The BTF written from layouts, read back without a kernel (the kernel tests load it for real). */
class LayoutBtfTest {
    @Test
    void headerFramesTypesAndStrings() {
        byte[] blob = LayoutBtf.of(Ipv4Prefix.LAYOUT, Layout.U8).bytes();
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals((short) 0xeB9F, b.getShort(0));
        assertEquals(1, b.get(2), "version");
        assertEquals(24, b.getInt(4), "header length");
        int typeLen = b.getInt(12);
        assertEquals(typeLen, b.getInt(16), "strings follow the types");
        assertEquals(blob.length, 24 + typeLen + b.getInt(20));
        String strings = new String(blob, 24 + typeLen, b.getInt(20), StandardCharsets.US_ASCII);
        for (String name : new String[] {"lpm_v4_key", "prefixlen", "addr", "__u32", "unsigned int", "__u8"}) {
            assertTrue(strings.contains("\0" + name + "\0"), name + " in " + strings.replace('\0', '|'));
        }
    }

    @Test
    void typesAreSharedAndIdsPointAtKeyAndValue() {
        // lpm_v4_key: unsigned int(1) __u32(2) unsigned char(3) __u8(4) __u8[4](5) struct(6); value __u8 = 4
        LayoutBtf.Blob blob = LayoutBtf.of(Ipv4Prefix.LAYOUT, Layout.U8);
        assertEquals(6, blob.keyTypeId());
        assertEquals(4, blob.valueTypeId(), "the value reuses the __u8 typedef of the key's array");
        int typeLen =
                ByteBuffer.wrap(blob.bytes()).order(ByteOrder.LITTLE_ENDIAN).getInt(12);
        // int 16, typedef 12, int 16, typedef 12, array 24, struct 12 + 2 members of 12
        assertEquals(16 + 12 + 16 + 12 + 24 + 36, typeLen);
    }

    @Test
    void aNetworkOrderScalarIsItsTypedef() {
        LayoutBtf.Blob blob = LayoutBtf.of(Ipv4Prefix.ADDRESS_LAYOUT, Layout.U32);
        // unsigned int(1) __u32(2) __be32(3); the value is __u32, already there
        assertEquals(3, blob.keyTypeId());
        assertEquals(2, blob.valueTypeId());
    }
}
