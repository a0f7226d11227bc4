package io.membrane.bench;

import java.nio.ByteBuffer;

/**
 * Ethernet + IPv4 + TCP or UDP frames as byte arrays, for BPF_PROG_TEST_RUN: fixed MACs, a valid IPv4 header
 * checksum, no IP options, L4 checksums left 0 (no program of ours reads them), padded to the 60-byte Ethernet
 * minimum. Addresses are 32-bit numbers, first octet most significant.
 */
public final class Frames {
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int TH_SYN = 0x02;
    public static final int TH_ACK = 0x10;
    public static final int ETH_HLEN = 14;
    public static final int IPV4_HLEN = 20;
    private static final int MIN_FRAME = 60;
    private static final byte[] DST_MAC = {0x02, 0, 0, 0, 0, 0x02};
    private static final byte[] SRC_MAC = {0x02, 0, 0, 0, 0, 0x01};

    private Frames() {}

    /** A TCP segment with {@code flags} (TH_*) and no payload. */
    public static byte[] tcp(int src, int dst, int sport, int dport, int flags) {
        ByteBuffer l4 = ByteBuffer.allocate(20);
        l4.putShort((short) sport)
                .putShort((short) dport)
                .putInt(1_000)
                .putInt((flags & TH_ACK) != 0 ? 2_000 : 0)
                .put((byte) (5 << 4))
                .put((byte) flags)
                .putShort((short) 64_240)
                .putShort((short) 0)
                .putShort((short) 0);
        return ipv4(src, dst, TCP, l4.array());
    }

    /** A UDP datagram with an 8-byte payload. */
    public static byte[] udp(int src, int dst, int sport, int dport) {
        ByteBuffer l4 = ByteBuffer.allocate(16);
        l4.putShort((short) sport)
                .putShort((short) dport)
                .putShort((short) 16)
                .putShort((short) 0)
                .putLong(0);
        return ipv4(src, dst, UDP, l4.array());
    }

    public static byte[] ipv4(int src, int dst, int protocol, byte[] l4) {
        int ipLen = IPV4_HLEN + l4.length;
        ByteBuffer f = ByteBuffer.allocate(Math.max(MIN_FRAME, ETH_HLEN + ipLen));
        f.put(DST_MAC).put(SRC_MAC).putShort((short) 0x0800);
        f.put((byte) 0x45)
                .put((byte) 0)
                .putShort((short) ipLen)
                .putShort((short) 0x1234)
                .putShort((short) 0x4000)
                .put((byte) 64)
                .put((byte) protocol)
                .putShort((short) 0)
                .putInt(src)
                .putInt(dst);
        f.putShort(ETH_HLEN + 10, (short) checksum(f.array(), ETH_HLEN, IPV4_HLEN));
        f.put(ETH_HLEN + IPV4_HLEN, l4);
        return f.array();
    }

    /** The Internet checksum (RFC 1071) of {@code len} bytes at {@code off}. */
    public static int checksum(byte[] b, int off, int len) {
        long sum = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += (b[off + i] & 0xff) << 8 | b[off + i + 1] & 0xff;
        }
        if ((len & 1) != 0) {
            sum += (b[off + len - 1] & 0xff) << 8;
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) ~sum & 0xffff;
    }
}
