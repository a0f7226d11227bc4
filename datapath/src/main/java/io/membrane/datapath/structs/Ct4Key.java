package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;

/**
 * Mirrors {@code struct ct4_key}: {@code __be32 saddr; __be32 daddr; __be16 sport; __be16 dport; __u8
 * protocol; __u8 direction; __u16 pad;} (16 B). Addresses are 32-bit numbers, first octet most significant.
 */
public record Ct4Key(int saddr, int daddr, int sport, int dport, int protocol, Direction direction) {
    public static final Layout<Ct4Key> LAYOUT = Layout.<Ct4Key>struct("ct4_key")
            .be32("saddr", Ct4Key::saddr)
            .be32("daddr", Ct4Key::daddr)
            .be16("sport", Ct4Key::sport)
            .be16("dport", Ct4Key::dport)
            .u8("protocol", Ct4Key::protocol)
            .u8("direction", k -> k.direction.code())
            .padding("pad", 2)
            .build(m -> new Ct4Key(
                    m.be32("saddr"),
                    m.be32("daddr"),
                    m.be16("sport"),
                    m.be16("dport"),
                    m.u8("protocol"),
                    Direction.of(m.u8("direction"))));
}
