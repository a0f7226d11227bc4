package io.membrane.datapath.structs;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;

/**
 * A decoded datapath notification (bpf/lib/events.h). Every one starts with {@code struct notify_hdr}
 * ({@code __u8 type; __u8 subtype; __u16 source; __u32 len;}, 8 B); {@link #decode} picks the record by type and
 * keeps unknown types as {@link Unknown}, so a newer datapath never breaks an older reader.
 */
public sealed interface Notification permits Notification.Drop, Notification.PolicyVerdict, Notification.Unknown {
    int TYPE_DROP = 1;
    int TYPE_POLICY_VERDICT = 5;

    /** {@code struct notify_hdr}. */
    Layout<Object> HEADER = Layout.of("notify_hdr", 8,
            List.of(Field.u8("type", 0), Field.u8("subtype", 1), Field.u16("source", 2), Field.u32("len", 4)),
            (v, b, o) -> { }, (b, o) -> null);

    /** {@code struct drop_notify} (64 B); only its shape matters to the BTF check, decoding is below. */
    Layout<Object> DROP_LAYOUT = Layout.of("drop_notify", 64,
            List.of(Field.bytes("hdr", 0, 8), Field.u32("src_identity", 8), Field.u32("dst_identity", 12),
                    Field.u32("ifindex", 16), Field.u32("orig_len", 20), Field.bytes("saddr", 24, 16),
                    Field.bytes("daddr", 40, 16), Field.u16("sport", 56), Field.u16("dport", 58),
                    Field.u8("protocol", 60), Field.u8("direction", 61), Field.u8("family", 62),
                    Field.padding("pad", 63, 1)),
            (v, b, o) -> { }, (b, o) -> null);

    /** {@code struct policy_verdict_notify} (64 B). */
    Layout<Object> POLICY_VERDICT_LAYOUT = Layout.of("policy_verdict_notify", 64,
            List.of(Field.bytes("hdr", 0, 8), Field.u32("local_identity", 8), Field.u32("remote_identity", 12),
                    Field.u32("verdict", 16), Field.u32("ifindex", 20), Field.bytes("saddr", 24, 16),
                    Field.bytes("daddr", 40, 16), Field.u16("sport", 56), Field.u16("dport", 58),
                    Field.u8("protocol", 60), Field.u8("direction", 61), Field.u8("family", 62),
                    Field.u8("match_type", 63)),
            (v, b, o) -> { }, (b, o) -> null);

    int type();

    /** Endpoint id that emitted it; 0 for the node (XDP). */
    int source();

    /** The five-tuple and addresses both notifications carry. */
    record Flow(InetAddress source, InetAddress destination, int sourcePort, int destinationPort, int protocol,
                Direction direction) {
        public String protocolName() {
            return switch (protocol) {
                case 1 -> "icmp";
                case 6 -> "tcp";
                case 17 -> "udp";
                case 58 -> "icmpv6";
                default -> "proto-" + protocol;
            };
        }
    }

    /** A packet the datapath dropped. */
    record Drop(int source, DropReason reason, int reasonCode, int sourceIdentity, int destinationIdentity,
                int ifindex, int originalLength, Optional<Flow> flow) implements Notification {
        @Override
        public int type() {
            return TYPE_DROP;
        }
    }

    /** The policy decision on the first packet of a new flow. */
    record PolicyVerdict(int source, int localIdentity, int remoteIdentity, int verdict, int ifindex,
                         int matchType, Flow flow) implements Notification {
        @Override
        public int type() {
            return TYPE_POLICY_VERDICT;
        }

        public boolean allowed() {
            return verdict == 0;
        }
    }

    /** A notification type this agent does not know; kept so counters and raw dumps still see it. */
    record Unknown(int type, int subtype, int source, byte[] raw) implements Notification {
    }

    /**
     * Decodes one perf sample.
     *
     * @throws IllegalArgumentException when the sample is shorter than its header or than its type requires
     */
    static Notification decode(byte[] sample) {
        if (sample.length < 8) {
            throw new IllegalArgumentException("notification of " + sample.length + " bytes is shorter than its header");
        }
        ByteBuffer b = ByteBuffer.wrap(sample).order(ByteOrder.LITTLE_ENDIAN);
        int type = b.get(0) & 0xff;
        int subtype = b.get(1) & 0xff;
        int source = b.getShort(2) & 0xffff;
        int len = b.getInt(4);
        if (type == TYPE_DROP && sample.length >= 64 && len >= 64) {
            int family = b.get(62) & 0xff;
            Optional<Flow> flow = family == 0 ? Optional.empty() : Optional.of(flow(b, family));
            return new Drop(source, DropReason.of(subtype), subtype, b.getInt(8), b.getInt(12), b.getInt(16),
                    b.getInt(20), flow);
        }
        if (type == TYPE_POLICY_VERDICT && sample.length >= 64 && len >= 64) {
            return new PolicyVerdict(source, b.getInt(8), b.getInt(12), b.getInt(16), b.getInt(20),
                    b.get(63) & 0xff, flow(b, b.get(62) & 0xff));
        }
        if (type == TYPE_DROP || type == TYPE_POLICY_VERDICT) {
            throw new IllegalArgumentException("notification type " + type + " of " + sample.length
                    + " bytes is shorter than 64");
        }
        return new Unknown(type, subtype, source, sample.clone());
    }

    private static Flow flow(ByteBuffer b, int family) {
        int alen = family == IpcacheKey.FAMILY_IPV4 ? 4 : 16;
        byte[] s = new byte[alen];
        byte[] d = new byte[alen];
        b.get(24, s, 0, alen);
        b.get(40, d, 0, alen);
        try {
            return new Flow(InetAddress.getByAddress(s), InetAddress.getByAddress(d), b.getShort(56) & 0xffff,
                    b.getShort(58) & 0xffff, b.get(60) & 0xff, Direction.of(b.get(61) & 0xff));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("address of " + alen + " bytes", e);
        }
    }
}
