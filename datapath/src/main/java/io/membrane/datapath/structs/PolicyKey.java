package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;

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

    public static final Layout<PolicyKey> LAYOUT = Layout.<PolicyKey>struct("policy_key")
            .u32("identity", PolicyKey::identity)
            .be16("dport", PolicyKey::port)
            .u8("protocol", PolicyKey::protocol)
            .u8("direction", k -> k.direction.code())
            .build(m -> new PolicyKey(
                    m.u32("identity"), m.be16("dport"), m.u8("protocol"), Direction.of(m.u8("direction"))));

    public PolicyKey {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port " + port + " is not 0..65535");
        }
        if (protocol < 0 || protocol > 255) {
            throw new IllegalArgumentException("protocol " + protocol + " is not 0..255");
        }
    }
}
