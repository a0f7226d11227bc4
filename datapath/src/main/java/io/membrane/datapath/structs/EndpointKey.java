package io.membrane.datapath.structs;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.Arrays;
import java.util.List;

/**
 * Mirrors {@code struct endpoint_key}: {@code __u8 addr[16]; __u8 family; __u8 pad[3];} (20 B); an IPv4
 * address sits in the first 4 bytes.
 */
public record EndpointKey(int family, byte[] address) {
    public static final Layout<EndpointKey> LAYOUT = Layout.of("endpoint_key", 20,
            List.of(Field.bytes("addr", 0, 16), Field.u8("family", 16), Field.padding("pad", 17, 3)),
            (k, b, o) -> b.put(o, k.address, 0, k.address.length).put(o + 16, (byte) k.family),
            (b, o) -> {
                int family = b.get(o + 16) & 0xff;
                byte[] a = new byte[family == IpcacheKey.FAMILY_IPV4 ? 4 : 16];
                b.get(o, a, 0, a.length);
                return new EndpointKey(family, a);
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
