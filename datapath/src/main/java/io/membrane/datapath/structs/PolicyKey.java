package io.membrane.datapath.structs;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.List;

/**
 * Mirrors {@code struct policy_key}: {@code __u32 identity; __be16 dport; __u8 protocol; __u8 direction;}
 * (8 B). Identity 0 is any peer; port 0 any port; protocol 0 any protocol.
 */
public record PolicyKey(int identity, int port, int protocol, Direction direction) {
    public static final int ANY_IDENTITY = 0;
    public static final int ANY_PORT = 0;
    public static final int ANY_PROTOCOL = 0;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ICMP = 1;

    public static final Layout<PolicyKey> LAYOUT = Layout.of("policy_key", 8,
            List.of(Field.u32("identity", 0), Field.be16("dport", 4), Field.u8("protocol", 6),
                    Field.u8("direction", 7)),
            (k, b, o) -> b.putInt(o, k.identity).putShort(o + 4, Short.reverseBytes((short) k.port))
                    .put(o + 6, (byte) k.protocol).put(o + 7, (byte) k.direction.code()),
            (b, o) -> new PolicyKey(b.getInt(o), Short.reverseBytes(b.getShort(o + 4)) & 0xffff,
                    b.get(o + 6) & 0xff, Direction.of(b.get(o + 7) & 0xff)));

    public PolicyKey {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is not 0..65535");
        }
        if (protocol < 0 || protocol > 255) {
            throw new IllegalArgumentException("protocol " + protocol + " is not 0..255");
        }
    }
}
