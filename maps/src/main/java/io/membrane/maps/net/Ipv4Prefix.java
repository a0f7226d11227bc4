package io.membrane.maps.net;

import io.membrane.maps.layout.Layout;

/**
 * An IPv4 CIDR such as {@code 203.0.113.0/24}, canonical (host bits zero), and the LPM-trie key that carries
 * it to the kernel. Its layout mirrors {@code struct lpm_v4_key} in bpf/lib/maps.h: {@code __u32 prefixlen;
 * __u8 addr[4];} with the address in network order, as the kernel trie compares it bit by bit from the first
 * byte.
 *
 * @param address the address as a 32-bit number, first octet in the most significant byte
 * @param length  the prefix length, 0..32
 */
public record Ipv4Prefix(int address, int length) implements IpPrefix, Comparable<Ipv4Prefix> {
    /** {@code struct lpm_v4_key}: u32 prefixlen; u8 addr[4]. */
    public static final Layout<Ipv4Prefix> LAYOUT = Layout.<Ipv4Prefix>struct("lpm_v4_key")
            .u32("prefixlen", Ipv4Prefix::length)
            .bytes("addr", 4, Ipv4Prefix::addressBytes)
            .build(m -> new Ipv4Prefix(fromBytes(m.bytes("addr")), m.u32("prefixlen")));

    /** A bare address ({@code __be32}) as used by exact-match hash maps. */
    public static final Layout<Ipv4Prefix> ADDRESS_LAYOUT = Layout.<Ipv4Prefix>struct("__be32")
            .be32("addr", Ipv4Prefix::address)
            .build(m -> new Ipv4Prefix(m.be32("addr"), 32));

    public Ipv4Prefix {
        if (length < 0 || length > 32) {
            throw new IllegalArgumentException(IpText.v4(address) + "/" + length + ": prefix length must be 0..32");
        }
        address &= mask(length);
    }

    private static int mask(int length) {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    private static int fromBytes(byte[] a) {
        return (a[0] & 0xff) << 24 | (a[1] & 0xff) << 16 | (a[2] & 0xff) << 8 | (a[3] & 0xff);
    }

    /**
     * Parses {@code a.b.c.d/len} or a bare {@code a.b.c.d} (taken as /32). Host bits are cleared, as Go's
     * ParseCIDR does for Cilium. Never resolves names; text with whitespace is refused, not trimmed.
     *
     * @throws IllegalArgumentException naming the text and what is wrong with it
     */
    public static Ipv4Prefix parse(String text) {
        String t = IpText.requirePlainText(text);
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        int length = 32;
        if (slash >= 0) {
            length = IpText.parseLength(text, t.substring(slash + 1), 32);
        }
        return new Ipv4Prefix(IpText.parseV4(text, addr), length);
    }

    /** The /32 of one address. */
    public static Ipv4Prefix host(String address) {
        return new Ipv4Prefix(IpText.parseV4(address, IpText.requirePlainText(address)), 32);
    }

    @Override
    public boolean isHost() {
        return length == 32;
    }

    public boolean contains(Ipv4Prefix other) {
        return other.length >= length && (other.address & mask(length)) == address;
    }

    /** The address as four bytes in network order. */
    public byte[] addressBytes() {
        return new byte[] {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
    }

    @Override
    public int compareTo(Ipv4Prefix o) {
        int c = Integer.compareUnsigned(address, o.address);
        return c != 0 ? c : Integer.compare(length, o.length);
    }

    /** The address alone, dotted decimal, without the length. */
    public String addressText() {
        return IpText.v4(address);
    }

    @Override
    public String toString() {
        return IpText.v4(address) + "/" + length;
    }
}
