package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;

/**
 * Mirrors {@code struct ipcache_key}: {@code __u32 prefixlen; __u8 pad[3]; __u8 family; __u8 addr[16];}
 * (24 B). prefixlen counts 32 static bits (pad and family always match) plus the CIDR's own length, so one
 * LPM trie holds both families.
 */
public record IpcacheKey(int family, byte[] address, int prefixLength) {
    public static final int STATIC_PREFIX_BITS = 32;
    public static final int FAMILY_IPV4 = 1;
    public static final int FAMILY_IPV6 = 2;

    public static final Layout<IpcacheKey> LAYOUT = Layout.<IpcacheKey>struct("ipcache_key")
            .u32("prefixlen", k -> STATIC_PREFIX_BITS + k.prefixLength)
            .padding("pad", 3)
            .u8("family", IpcacheKey::family)
            .bytes("addr", 16, IpcacheKey::address)
            .build(m -> {
                int family = m.u8("family");
                return new IpcacheKey(
                        family, m.bytes("addr", addressLength(family)), m.u32("prefixlen") - STATIC_PREFIX_BITS);
            });

    /** How many bytes of a 16-byte address field a family uses: 4 for IPv4, all for IPv6. */
    public static int addressLength(int family) {
        return family == FAMILY_IPV4 ? 4 : 16;
    }

    public static IpcacheKey of(Ipv4Prefix p) {
        return new IpcacheKey(FAMILY_IPV4, p.addressBytes(), p.length());
    }

    public static IpcacheKey of(Ipv6Prefix p) {
        return new IpcacheKey(FAMILY_IPV6, p.addressBytes(), p.length());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpcacheKey k
                && k.family == family
                && k.prefixLength == prefixLength
                && java.util.Arrays.equals(k.address, address);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(address) * 31 + prefixLength * 7 + family;
    }

    @Override
    public String toString() {
        return family == FAMILY_IPV4
                ? new Ipv4Prefix(java.nio.ByteBuffer.wrap(address).getInt(), prefixLength).toString()
                : new Ipv6Prefix(address, prefixLength).toString();
    }
}
