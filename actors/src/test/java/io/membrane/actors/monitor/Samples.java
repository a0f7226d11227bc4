package io.membrane.actors.monitor;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Perf samples in the datapath's layouts (bpf/lib/events.h), host order, 64 bytes each: what a BPF program
 * would write, for feeding the pump without the kernel.
 */
public final class Samples {
    private Samples() {
    }

    /** {@code struct drop_notify}; {@code src == null} means no IP header was parsed (family 0). */
    public static byte[] drop(int reason, int sourceEndpoint, int srcIdentity, int dstIdentity, int ifindex,
                              int length, String src, String dst, int sport, int dport, int protocol,
                              int direction) {
        ByteBuffer b = header(1, reason, sourceEndpoint);
        b.putInt(8, srcIdentity).putInt(12, dstIdentity).putInt(16, ifindex).putInt(20, length);
        if (src != null) {
            flow(b, src, dst, sport, dport, protocol, direction);
        }
        return b.array();
    }

    /** A prefilter drop (reason 240) of ICMP from {@code src} to {@code dst} on {@code ifindex}. */
    public static byte[] prefilterDrop(String src, String dst, int ifindex) {
        return drop(240, 0, 0, 0, ifindex, 98, src, dst, 0, 0, 1, 1);
    }

    /** {@code struct policy_verdict_notify}. */
    public static byte[] verdict(int sourceEndpoint, int localIdentity, int remoteIdentity, int verdict,
                                 int ifindex, int matchType, String src, String dst, int sport, int dport,
                                 int protocol, int direction) {
        ByteBuffer b = header(5, 0, sourceEndpoint);
        b.putInt(8, localIdentity).putInt(12, remoteIdentity).putInt(16, verdict).putInt(20, ifindex);
        flow(b, src, dst, sport, dport, protocol, direction);
        b.put(63, (byte) matchType);
        return b.array();
    }

    /** A notification of a type the agent does not know. */
    public static byte[] unknown(int type, int subtype, int length) {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) type).put(1, (byte) subtype).putShort(2, (short) 0).putInt(4, length);
        return b.array();
    }

    /** A drop notification cut short: its header says drop but it has only 20 bytes, so decoding fails. */
    public static byte[] truncatedDrop() {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 1).putInt(4, 20);
        return b.array();
    }

    private static ByteBuffer header(int type, int subtype, int source) {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) type).put(1, (byte) subtype).putShort(2, (short) source).putInt(4, 64);
        return b;
    }

    private static void flow(ByteBuffer b, String src, String dst, int sport, int dport, int protocol,
                             int direction) {
        byte[] s = addr(src);
        byte[] d = addr(dst);
        b.put(24, s).put(40, d);
        b.putShort(56, (short) sport).putShort(58, (short) dport);
        b.put(60, (byte) protocol).put(61, (byte) direction).put(62, (byte) (s.length == 4 ? 1 : 2));
    }

    private static byte[] addr(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
