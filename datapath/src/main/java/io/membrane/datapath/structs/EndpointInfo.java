package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;

/**
 * Mirrors {@code struct endpoint_info}: {@code __u32 ifindex; __u16 lxc_id; __u16 pad; __u32 flags; __u8
 * mac[6]; __u8 node_mac[6];} (24 B).
 */
public record EndpointInfo(int ifindex, int endpointId, int flags, long mac, long nodeMac) {
    public static final Layout<EndpointInfo> LAYOUT = Layout.<EndpointInfo>struct("endpoint_info")
            .u32("ifindex", EndpointInfo::ifindex)
            .u16("lxc_id", EndpointInfo::endpointId)
            .padding("pad", 2)
            .u32("flags", EndpointInfo::flags)
            .bytes("mac", 6, v -> macBytes(v.mac))
            .bytes("node_mac", 6, v -> macBytes(v.nodeMac))
            .build(m -> new EndpointInfo(
                    m.u32("ifindex"), m.u16("lxc_id"), m.u32("flags"), mac(m.bytes("mac")), mac(m.bytes("node_mac"))));

    private static byte[] macBytes(long mac) {
        byte[] out = new byte[6];
        for (int i = 0; i < 6; i++) {
            out[i] = (byte) (mac >>> (8 * (5 - i)));
        }
        return out;
    }

    private static long mac(byte[] bytes) {
        long mac = 0;
        for (byte b : bytes) {
            mac = mac << 8 | (b & 0xff);
        }
        return mac;
    }
}
