package io.membrane.maps.net;

import io.membrane.maps.layout.Layout;
import java.util.Arrays;

/**
 * An IPv6 CIDR such as {@code 2001:db8::/32}, canonical (host bits zero), and the LPM-trie key that carries
 * it. Its layout mirrors {@code struct lpm_v6_key} in bpf/lib/maps.h: {@code __u32 prefixlen; __u8
 * addr[16];}.
 */
public final class Ipv6Prefix implements IpPrefix, Comparable<Ipv6Prefix> {
    /** {@code struct lpm_v6_key}: u32 prefixlen; u8 addr[16]. */
    public static final Layout<Ipv6Prefix> LAYOUT = Layout.<Ipv6Prefix>struct("lpm_v6_key")
            .u32("prefixlen", Ipv6Prefix::length)
            .bytes("addr", 16, p -> p.address)
            .build(m -> new Ipv6Prefix(m.bytes("addr"), m.u32("prefixlen")));

    /** A bare 16-byte address as used by exact-match hash maps. */
    public static final Layout<Ipv6Prefix> ADDRESS_LAYOUT = Layout.<Ipv6Prefix>struct("in6_addr")
            .bytes("addr", 16, p -> p.address)
            .build(m -> new Ipv6Prefix(m.bytes("addr"), 128));

    private final byte[] address;
    private final int length;

    public Ipv6Prefix(byte[] address, int length) {
        if (address.length != 16) {
            throw new IllegalArgumentException("an IPv6 address has 16 bytes, got " + address.length);
        }
        if (length < 0 || length > 128) {
            throw new IllegalArgumentException(IpText.v6(address) + "/" + length + ": prefix length must be 0..128");
        }
        this.address = address.clone();
        this.length = length;
        for (int bit = length; bit < 128; bit++) {
            this.address[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
    }

    /**
     * Parses {@code addr/len} or a bare address (taken as /128); host bits are cleared; text with whitespace is
     * refused, not trimmed.
     */
    public static Ipv6Prefix parse(String text) {
        String t = IpText.requirePlainText(text);
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        int length = slash < 0 ? 128 : IpText.parseLength(text, t.substring(slash + 1), 128);
        return new Ipv6Prefix(IpText.parseV6(text, addr), length);
    }

    public static Ipv6Prefix host(String address) {
        return new Ipv6Prefix(IpText.parseV6(address, IpText.requirePlainText(address)), 128);
    }

    /** A 16-byte address in RFC 5952 text (lower case, the longest run of zero groups as '::'). */
    public static String addressText(byte[] address) {
        if (address.length != 16) {
            throw new IllegalArgumentException("an IPv6 address has 16 bytes, got " + address.length);
        }
        return IpText.v6(address);
    }

    public byte[] addressBytes() {
        return address.clone();
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public boolean isHost() {
        return length == 128;
    }

    @Override
    public int compareTo(Ipv6Prefix o) {
        int c = Arrays.compareUnsigned(address, o.address);
        return c != 0 ? c : Integer.compare(length, o.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ipv6Prefix p && p.length == length && Arrays.equals(p.address, address);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address) * 31 + length;
    }

    @Override
    public String toString() {
        return IpText.v6(address) + "/" + length;
    }
}
