package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;

/**
 * Mirrors {@code struct ct4_key}: {@code __be32 saddr; __be32 daddr; __be16 sport; __be16 dport; __u8
 * protocol; __u8 direction; __u16 pad;} (16 B). Addresses are 32-bit numbers, first octet most significant.
 */
public record Ct4Key(int saddr, int daddr, int sport, int dport, int protocol, Direction direction) implements CtKey {
    public static final Layout<Ct4Key> LAYOUT = CtKey.tail(Layout.<Ct4Key>struct("ct4_key")
                    .be32("saddr", Ct4Key::saddr)
                    .be32("daddr", Ct4Key::daddr))
            .build(m -> new Ct4Key(m.be32("saddr"), m.be32("daddr"), CtKey.Tail.read(m)));

    private Ct4Key(int saddr, int daddr, CtKey.Tail tail) {
        this(saddr, daddr, tail.sport(), tail.dport(), tail.protocol(), tail.direction());
    }
}
