package io.membrane.datapath.structs;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.List;

/**
 * Mirrors {@code struct ct6_key}: {@code __u8 saddr[16]; __u8 daddr[16]; __be16 sport; __be16 dport; __u8
 * protocol; __u8 direction; __u16 pad;} (40 B).
 */
public record Ct6Key(byte[] saddr, byte[] daddr, int sport, int dport, int protocol, Direction direction) {
    public static final Layout<Ct6Key> LAYOUT = Layout.of("ct6_key", 40,
            List.of(Field.bytes("saddr", 0, 16), Field.bytes("daddr", 16, 16), Field.be16("sport", 32),
                    Field.be16("dport", 34), Field.u8("protocol", 36), Field.u8("direction", 37),
                    Field.padding("pad", 38, 2)),
            (k, b, o) -> b.put(o, k.saddr, 0, 16).put(o + 16, k.daddr, 0, 16)
                    .putShort(o + 32, Short.reverseBytes((short) k.sport))
                    .putShort(o + 34, Short.reverseBytes((short) k.dport))
                    .put(o + 36, (byte) k.protocol).put(o + 37, (byte) k.direction.code()),
            (b, o) -> {
                byte[] s = new byte[16];
                byte[] d = new byte[16];
                b.get(o, s, 0, 16);
                b.get(o + 16, d, 0, 16);
                return new Ct6Key(s, d, Short.reverseBytes(b.getShort(o + 32)) & 0xffff,
                        Short.reverseBytes(b.getShort(o + 34)) & 0xffff, b.get(o + 36) & 0xff,
                        Direction.of(b.get(o + 37) & 0xff));
            });
}
