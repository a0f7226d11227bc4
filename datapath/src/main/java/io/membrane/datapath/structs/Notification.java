package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * A decoded datapath notification (bpf/lib/events.h). Every one starts with {@code struct notify_hdr}
 * ({@code __u8 type; __u8 subtype; __u16 source; __u32 len;}, 8 B); {@link #decode} picks the record by type and
 * keeps unknown types as {@link Unknown}, so a newer datapath never breaks an older reader.
 */
public sealed interface Notification permits Notification.Drop, Notification.PolicyVerdict, Notification.Unknown {
    int TYPE_DROP = 1;
    int TYPE_POLICY_VERDICT = 5;

    /** {@code struct notify_hdr}: what every notification starts with; {@code len} covers the whole record. */
    record Header(int type, int subtype, int source, int length) {}

    Layout<Header> HEADER = Layout.<Header>struct("notify_hdr")
            .u8("type", Header::type)
            .u8("subtype", Header::subtype)
            .u16("source", Header::source)
            .u32("len", Header::length)
            .build(m -> new Header(m.u8("type"), m.u8("subtype"), m.u16("source"), m.u32("len")));

    /** {@code struct drop_notify}; the header's subtype is the drop reason. */
    Layout<Drop> DROP_LAYOUT = flowMembers(
                    withHeader("drop_notify", TYPE_DROP, Drop::reasonCode, () -> Notification.DROP_LAYOUT)
                            .u32("src_identity", Drop::sourceIdentity)
                            .u32("dst_identity", Drop::destinationIdentity)
                            .u32("ifindex", Drop::ifindex)
                            .u32("orig_len", Drop::originalLength),
                    d -> d.flow().orElse(null))
            .padding("pad", 1)
            .build(m -> {
                Header h = m.struct("hdr", HEADER);
                Optional<Flow> flow = m.u8("family") == 0 ? Optional.empty() : Optional.of(flow(m));
                return new Drop(
                        h.source(),
                        DropReason.of(h.subtype()),
                        h.subtype(),
                        m.u32("src_identity"),
                        m.u32("dst_identity"),
                        m.u32("ifindex"),
                        m.u32("orig_len"),
                        flow);
            });

    /** {@code struct policy_verdict_notify}. */
    Layout<PolicyVerdict> POLICY_VERDICT_LAYOUT = flowMembers(
                    withHeader(
                                    "policy_verdict_notify",
                                    TYPE_POLICY_VERDICT,
                                    v -> 0,
                                    () -> Notification.POLICY_VERDICT_LAYOUT)
                            .u32("local_identity", PolicyVerdict::localIdentity)
                            .u32("remote_identity", PolicyVerdict::remoteIdentity)
                            .u32("verdict", PolicyVerdict::verdict)
                            .u32("ifindex", PolicyVerdict::ifindex),
                    PolicyVerdict::flow)
            .u8("match_type", PolicyVerdict::matchType)
            .build(m -> new PolicyVerdict(
                    m.struct("hdr", HEADER).source(),
                    m.u32("local_identity"),
                    m.u32("remote_identity"),
                    m.u32("verdict"),
                    m.u32("ifindex"),
                    m.u8("match_type"),
                    flow(m)));

    int type();

    /** Endpoint id that emitted it; 0 for the node (XDP). */
    int source();

    /** The five-tuple and addresses both notifications carry. */
    record Flow(
            InetAddress source,
            InetAddress destination,
            int sourcePort,
            int destinationPort,
            int protocol,
            Direction direction) {
        /** FAMILY_IPV4 1 or FAMILY_IPV6 2, as the datapath writes it. */
        public int family() {
            return source.getAddress().length == 4 ? IpcacheKey.FAMILY_IPV4 : IpcacheKey.FAMILY_IPV6;
        }

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
    record Drop(
            int source,
            DropReason reason,
            int reasonCode,
            int sourceIdentity,
            int destinationIdentity,
            int ifindex,
            int originalLength,
            Optional<Flow> flow)
            implements Notification {
        @Override
        public int type() {
            return TYPE_DROP;
        }
    }

    /** The policy decision on the first packet of a new flow. */
    record PolicyVerdict(
            int source, int localIdentity, int remoteIdentity, int verdict, int ifindex, int matchType, Flow flow)
            implements Notification {
        @Override
        public int type() {
            return TYPE_POLICY_VERDICT;
        }

        public boolean allowed() {
            return verdict == 0;
        }
    }

    /** A notification type this agent does not know; kept so counters and raw dumps still see it. */
    record Unknown(int type, int subtype, int source, byte[] raw) implements Notification {}

    /**
     * Decodes one perf sample.
     *
     * @throws IllegalArgumentException when the sample is shorter than its header or than its type requires
     */
    static Notification decode(byte[] sample) {
        if (sample.length < HEADER.size()) {
            throw new IllegalArgumentException(
                    "notification of " + sample.length + " bytes is shorter than its header");
        }
        ByteBuffer b = ByteBuffer.wrap(sample).order(ByteOrder.LITTLE_ENDIAN);
        Header h = HEADER.read(b, 0);
        Layout<? extends Notification> layout =
                switch (h.type()) {
                    case TYPE_DROP -> DROP_LAYOUT;
                    case TYPE_POLICY_VERDICT -> POLICY_VERDICT_LAYOUT;
                    default -> null;
                };
        if (layout == null) {
            return new Unknown(h.type(), h.subtype(), h.source(), sample.clone());
        }
        if (sample.length < layout.size() || h.length() < layout.size()) {
            throw new IllegalArgumentException("notification type " + h.type() + " of " + sample.length
                    + " bytes is shorter than " + layout.size());
        }
        return layout.read(b, 0);
    }

    /**
     * A notification struct starting with its {@code hdr}: of {@code type}, with the subtype {@code subtype} gives,
     * the emitting endpoint as source, and the whole struct's size ({@code self}'s, read when a value is written)
     * as length.
     */
    private static <T extends Notification> Layout.Builder<T> withHeader(
            String cName, int type, ToIntFunction<T> subtype, Supplier<Layout<T>> self) {
        return Layout.<T>struct(cName)
                .struct(
                        "hdr",
                        HEADER,
                        v -> new Header(
                                type,
                                subtype.applyAsInt(v),
                                v.source(),
                                self.get().size()));
    }

    /**
     * The members both notifications carry after their own, in C order: addresses, ports, protocol, direction
     * and family (0 when {@code flow} gives null: no IP header was parsed).
     */
    private static <T> Layout.Builder<T> flowMembers(Layout.Builder<T> struct, Function<T, Flow> flow) {
        return struct.bytes("saddr", 16, v -> address(flow.apply(v), Flow::source))
                .bytes("daddr", 16, v -> address(flow.apply(v), Flow::destination))
                .u16("sport", orZero(flow, Flow::sourcePort))
                .u16("dport", orZero(flow, Flow::destinationPort))
                .u8("protocol", orZero(flow, Flow::protocol))
                .u8("direction", orZero(flow, f -> f.direction().code()))
                .u8("family", orZero(flow, Flow::family));
    }

    private static <T> ToIntFunction<T> orZero(Function<T, Flow> flow, ToIntFunction<Flow> member) {
        return v -> {
            Flow f = flow.apply(v);
            return f == null ? 0 : member.applyAsInt(f);
        };
    }

    private static byte[] address(Flow flow, Function<Flow, InetAddress> which) {
        return flow == null ? new byte[0] : which.apply(flow).getAddress();
    }

    private static Flow flow(Layout.Members m) {
        int alen = IpcacheKey.addressLength(m.u8("family"));
        try {
            return new Flow(
                    InetAddress.getByAddress(m.bytes("saddr", alen)),
                    InetAddress.getByAddress(m.bytes("daddr", alen)),
                    m.u16("sport"),
                    m.u16("dport"),
                    m.u8("protocol"),
                    Direction.of(m.u8("direction")));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("address of " + alen + " bytes", e);
        }
    }
}
