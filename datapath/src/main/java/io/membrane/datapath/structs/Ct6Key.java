package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;

/**
 * Mirrors {@code struct ct6_key}: {@code __u8 saddr[16]; __u8 daddr[16]; __be16 sport; __be16 dport; __u8
 * protocol; __u8 direction; __u16 pad;} (40 B).
 */
public record Ct6Key(byte[] saddr, byte[] daddr, int sport, int dport, int protocol, Direction direction) {
    public static final Layout<Ct6Key> LAYOUT = Layout.<Ct6Key>struct("ct6_key")
            .bytes("saddr", 16, Ct6Key::saddr)
            .bytes("daddr", 16, Ct6Key::daddr)
            .be16("sport", Ct6Key::sport)
            .be16("dport", Ct6Key::dport)
            .u8("protocol", Ct6Key::protocol)
            .u8("direction", k -> k.direction.code())
            .padding("pad", 2)
            .build(m -> new Ct6Key(
                    m.bytes("saddr"),
                    m.bytes("daddr"),
                    m.be16("sport"),
                    m.be16("dport"),
                    m.u8("protocol"),
                    Direction.of(m.u8("direction"))));
}
