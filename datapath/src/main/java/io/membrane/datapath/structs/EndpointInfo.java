package io.membrane.datapath.structs;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.List;

/**
 * Mirrors {@code struct endpoint_info}: {@code __u32 ifindex; __u16 lxc_id; __u16 pad; __u32 flags; __u8
 * mac[6]; __u8 node_mac[6];} (24 B).
 */
public record EndpointInfo(int ifindex, int endpointId, int flags, long mac, long nodeMac) {
    public static final Layout<EndpointInfo> LAYOUT = Layout.of("endpoint_info", 24,
            List.of(Field.u32("ifindex", 0), Field.u16("lxc_id", 4), Field.padding("pad", 6, 2),
                    Field.u32("flags", 8), Field.bytes("mac", 12, 6), Field.bytes("node_mac", 18, 6)),
            (v, b, o) -> {
                b.putInt(o, v.ifindex).putShort(o + 4, (short) v.endpointId).putInt(o + 8, v.flags);
                putMac(v.mac, b, o + 12);
                putMac(v.nodeMac, b, o + 18);
            },
            (b, o) -> new EndpointInfo(b.getInt(o), b.getShort(o + 4) & 0xffff, b.getInt(o + 8), getMac(b, o + 12),
                    getMac(b, o + 18)));

    private static void putMac(long mac, java.nio.ByteBuffer b, int o) {
        for (int i = 0; i < 6; i++) {
            b.put(o + i, (byte) (mac >>> (8 * (5 - i))));
        }
    }

    private static long getMac(java.nio.ByteBuffer b, int o) {
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = mac << 8 | (b.get(o + i) & 0xff);
        }
        return mac;
    }
}
