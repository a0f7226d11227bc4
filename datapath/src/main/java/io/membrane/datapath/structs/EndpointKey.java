package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;
import java.util.Arrays;

/**
 * Mirrors {@code struct endpoint_key}: {@code __u8 addr[16]; __u8 family; __u8 pad[3];} (20 B); an IPv4
 * address sits in the first 4 bytes.
 */
public record EndpointKey(int family, byte[] address) {
    public static final Layout<EndpointKey> LAYOUT = Layout.<EndpointKey>struct("endpoint_key")
            .bytes("addr", 16, EndpointKey::address)
            .u8("family", EndpointKey::family)
            .padding("pad", 3)
            .build(m -> {
                int family = m.u8("family");
                return new EndpointKey(family, m.bytes("addr", IpcacheKey.addressLength(family)));
            });

    @Override
    public boolean equals(Object o) {
        return o instanceof EndpointKey k && k.family == family && Arrays.equals(k.address, address);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address) * 31 + family;
    }
}
