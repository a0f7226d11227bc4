package io.membrane.datapath.structs;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.List;

/**
 * Mirrors {@code struct ct4_key}: {@code __be32 saddr; __be32 daddr; __be16 sport; __be16 dport; __u8
 * protocol; __u8 direction; __u16 pad;} (16 B). Addresses are 32-bit numbers, first octet most significant.
 */
public record Ct4Key(int saddr, int daddr, int sport, int dport, int protocol, Direction direction) {
    public static final Layout<Ct4Key> LAYOUT = Layout.of("ct4_key", 16,
            List.of(Field.be32("saddr", 0), Field.be32("daddr", 4), Field.be16("sport", 8), Field.be16("dport", 10),
                    Field.u8("protocol", 12), Field.u8("direction", 13), Field.padding("pad", 14, 2)),
            (k, b, o) -> b.putInt(o, Integer.reverseBytes(k.saddr)).putInt(o + 4, Integer.reverseBytes(k.daddr))
                    .putShort(o + 8, Short.reverseBytes((short) k.sport))
                    .putShort(o + 10, Short.reverseBytes((short) k.dport))
                    .put(o + 12, (byte) k.protocol).put(o + 13, (byte) k.direction.code()),
            (b, o) -> new Ct4Key(Integer.reverseBytes(b.getInt(o)), Integer.reverseBytes(b.getInt(o + 4)),
                    Short.reverseBytes(b.getShort(o + 8)) & 0xffff, Short.reverseBytes(b.getShort(o + 10)) & 0xffff,
                    b.get(o + 12) & 0xff, Direction.of(b.get(o + 13) & 0xff)));
}
