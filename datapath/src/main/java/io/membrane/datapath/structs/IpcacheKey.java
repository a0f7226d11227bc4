package io.membrane.datapath.structs;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.util.List;

/**
 * Mirrors {@code struct ipcache_key}: {@code __u32 prefixlen; __u8 pad[3]; __u8 family; __u8 addr[16];}
 * (24 B). prefixlen counts 32 static bits (pad and family always match) plus the CIDR's own length, so one
 * LPM trie holds both families.
 */
public record IpcacheKey(int family, byte[] address, int prefixLength) {
    public static final int STATIC_PREFIX_BITS = 32;
    public static final int FAMILY_IPV4 = 1;
    public static final int FAMILY_IPV6 = 2;

    public static final Layout<IpcacheKey> LAYOUT = Layout.of("ipcache_key", 24,
            List.of(Field.u32("prefixlen", 0), Field.padding("pad", 4, 3), Field.u8("family", 7),
                    Field.bytes("addr", 8, 16)),
            (k, b, o) -> {
                b.putInt(o, STATIC_PREFIX_BITS + k.prefixLength);
                b.put(o + 7, (byte) k.family);
                b.put(o + 8, k.address, 0, k.address.length);
            },
            (b, o) -> {
                int family = b.get(o + 7) & 0xff;
                byte[] addr = new byte[family == FAMILY_IPV4 ? 4 : 16];
                b.get(o + 8, addr, 0, addr.length);
                return new IpcacheKey(family, addr, b.getInt(o) - STATIC_PREFIX_BITS);
            });

    public static IpcacheKey of(Ipv4Prefix p) {
        return new IpcacheKey(FAMILY_IPV4, p.addressBytes(), p.length());
    }

    public static IpcacheKey of(Ipv6Prefix p) {
        return new IpcacheKey(FAMILY_IPV6, p.addressBytes(), p.length());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpcacheKey k && k.family == family && k.prefixLength == prefixLength
                && java.util.Arrays.equals(k.address, address);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(address) * 31 + prefixLength * 7 + family;
    }

    @Override
    public String toString() {
        return family == FAMILY_IPV4 ? new Ipv4Prefix(java.nio.ByteBuffer.wrap(address).getInt(), prefixLength)
                .toString() : new Ipv6Prefix(address, prefixLength).toString();
    }
}
