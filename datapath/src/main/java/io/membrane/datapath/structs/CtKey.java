package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;

/**
 * What {@code struct ct4_key} and {@code struct ct6_key} share after their addresses: {@code __be16 sport;
 * __be16 dport; __u8 protocol; __u8 direction; __u16 pad;}. The two layouts declare these members once, here.
 */
interface CtKey {
    int sport();

    int dport();

    int protocol();

    Direction direction();

    /** The members after the addresses, read back. */
    record Tail(int sport, int dport, int protocol, Direction direction) {
        static Tail read(Layout.Members m) {
            return new Tail(m.be16("sport"), m.be16("dport"), m.u8("protocol"), Direction.of(m.u8("direction")));
        }
    }

    /** {@code struct}, its addresses declared, with the members that follow them in C order. */
    static <K extends CtKey> Layout.Builder<K> tail(Layout.Builder<K> struct) {
        return struct.be16("sport", CtKey::sport)
                .be16("dport", CtKey::dport)
                .u8("protocol", CtKey::protocol)
                .u8("direction", k -> k.direction().code())
                .padding("pad", 2);
    }
}
