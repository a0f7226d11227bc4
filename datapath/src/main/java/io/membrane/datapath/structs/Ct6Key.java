package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;

/**
 * Mirrors {@code struct ct6_key}: {@code __u8 saddr[16]; __u8 daddr[16]; __be16 sport; __be16 dport; __u8
 * protocol; __u8 direction; __u16 pad;} (40 B).
 */
public record Ct6Key(byte[] saddr, byte[] daddr, int sport, int dport, int protocol, Direction direction)
        implements CtKey {
    public static final Layout<Ct6Key> LAYOUT = CtKey.tail(Layout.<Ct6Key>struct("ct6_key")
                    .bytes("saddr", 16, Ct6Key::saddr)
                    .bytes("daddr", 16, Ct6Key::daddr))
            .build(m -> new Ct6Key(m.bytes("saddr"), m.bytes("daddr"), CtKey.Tail.read(m)));

    private Ct6Key(byte[] saddr, byte[] daddr, CtKey.Tail tail) {
        this(saddr, daddr, tail.sport(), tail.dport(), tail.protocol(), tail.direction());
    }
}
