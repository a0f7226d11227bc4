package io.membrane.actors.monitor;

import io.membrane.datapath.structs.Direction;
import io.membrane.datapath.structs.DropReason;
import io.membrane.datapath.structs.Notification;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * Perf samples in the datapath's layouts (bpf/lib/events.h), written through the declared notification
 * layouts: what a BPF program would write, for feeding the pump without the kernel.
 */
public final class Samples {
    private Samples() {}

    /** {@code struct drop_notify}; {@code src == null} means no IP header was parsed (family 0). */
    public static byte[] drop(
            int reason,
            int sourceEndpoint,
            int srcIdentity,
            int dstIdentity,
            int ifindex,
            int length,
            String src,
            String dst,
            int sport,
            int dport,
            int protocol,
            int direction) {
        Optional<Notification.Flow> flow =
                src == null ? Optional.empty() : Optional.of(flow(src, dst, sport, dport, protocol, direction));
        return Notification.DROP_LAYOUT.toBytes(new Notification.Drop(
                sourceEndpoint, DropReason.of(reason), reason, srcIdentity, dstIdentity, ifindex, length, flow));
    }

    /** A prefilter drop (reason 240) of ICMP from {@code src} to {@code dst} on {@code ifindex}. */
    public static byte[] prefilterDrop(String src, String dst, int ifindex) {
        return drop(DropReason.PREFILTER.code(), 0, 0, 0, ifindex, 98, src, dst, 0, 0, 1, 1);
    }

    /** {@code struct policy_verdict_notify}. */
    public static byte[] verdict(
            int sourceEndpoint,
            int localIdentity,
            int remoteIdentity,
            int verdict,
            int ifindex,
            int matchType,
            String src,
            String dst,
            int sport,
            int dport,
            int protocol,
            int direction) {
        return Notification.POLICY_VERDICT_LAYOUT.toBytes(new Notification.PolicyVerdict(
                sourceEndpoint,
                localIdentity,
                remoteIdentity,
                verdict,
                ifindex,
                matchType,
                flow(src, dst, sport, dport, protocol, direction)));
    }

    /** A notification of a type the agent does not know: its header, then zeros up to {@code length}. */
    public static byte[] unknown(int type, int subtype, int length) {
        return withHeader(new Notification.Header(type, subtype, 0, length), length);
    }

    /** A drop notification cut short: its header says drop but it has only 20 bytes, so decoding fails. */
    public static byte[] truncatedDrop() {
        return withHeader(new Notification.Header(Notification.TYPE_DROP, 0, 0, 20), 20);
    }

    private static byte[] withHeader(Notification.Header header, int length) {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        Notification.HEADER.write(header, b, 0);
        return b.array();
    }

    private static Notification.Flow flow(String src, String dst, int sport, int dport, int protocol, int direction) {
        return new Notification.Flow(addr(src), addr(dst), sport, dport, protocol, Direction.of(direction));
    }

    private static InetAddress addr(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
