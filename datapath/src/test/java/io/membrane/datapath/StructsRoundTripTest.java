package io.membrane.datapath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.datapath.structs.Ct4Key;
import io.membrane.datapath.structs.Ct6Key;
import io.membrane.datapath.structs.CtEntry;
import io.membrane.datapath.structs.Direction;
import io.membrane.datapath.structs.DropReason;
import io.membrane.datapath.structs.EndpointConfig;
import io.membrane.datapath.structs.EndpointInfo;
import io.membrane.datapath.structs.EndpointKey;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.datapath.structs.MetricsValue;
import io.membrane.datapath.structs.Notification;
import io.membrane.datapath.structs.NotifyBudget;
import io.membrane.datapath.structs.PolicyEntry;
import io.membrane.datapath.structs.PolicyKey;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shared layout writes a value and reads the same value back, and every member of the struct carries
 * part of it: each sample gives every member a non-zero value of its own, so a member the derived codec
 * dropped or read from the wrong place changes the value read back.
 */
class StructsRoundTripTest {
    /** Members C reserves and Java always writes as zero. */
    private static final Set<String> ALWAYS_ZERO = Set.of("ipcache_value.flags");

    record Sample<T>(Layout<T> layout, T value) {
        @Override
        public String toString() {
            return layout.cName();
        }
    }

    static Stream<Sample<?>> samples() throws Exception {
        byte[] v6a = InetAddress.getByName("2001:db8::a").getAddress();
        byte[] v6b = InetAddress.getByName("2001:db8::b").getAddress();
        Notification.Flow flow4 = new Notification.Flow(
                InetAddress.getByName("10.0.0.1"),
                InetAddress.getByName("10.0.0.2"),
                40_000,
                8080,
                PolicyKey.TCP,
                Direction.INGRESS);
        Notification.Flow flow6 = new Notification.Flow(
                InetAddress.getByName("2001:db8::a"),
                InetAddress.getByName("2001:db8::b"),
                5555,
                9090,
                17,
                Direction.EGRESS);
        return Stream.of(
                new Sample<>(Ipv4Prefix.LAYOUT, Ipv4Prefix.parse("203.0.113.0/24")),
                new Sample<>(Ipv4Prefix.ADDRESS_LAYOUT, Ipv4Prefix.host("198.51.100.9")),
                new Sample<>(Ipv6Prefix.LAYOUT, Ipv6Prefix.parse("2001:db8:bad::/48")),
                new Sample<>(Ipv6Prefix.ADDRESS_LAYOUT, Ipv6Prefix.host("2001:db8:1::9")),
                new Sample<>(PrefilterFlag.LAYOUT, PrefilterFlag.of(true, true)),
                new Sample<>(MetricsValue.LAYOUT, new MetricsValue(3, 1_500)),
                new Sample<>(NotifyBudget.LAYOUT, new NotifyBudget(123_456_789L, 5, 7)),
                new Sample<>(IpcacheKey.LAYOUT, IpcacheKey.of(Ipv4Prefix.parse("10.1.0.0/16"))),
                new Sample<>(IpcacheKey.LAYOUT, IpcacheKey.of(Ipv6Prefix.parse("2001:db8::/32"))),
                new Sample<>(IpcacheValue.LAYOUT, new IpcacheValue(1042, 0x0a000001)),
                new Sample<>(EndpointKey.LAYOUT, new EndpointKey(IpcacheKey.FAMILY_IPV4, new byte[] {10, 0, 0, 2})),
                new Sample<>(EndpointKey.LAYOUT, new EndpointKey(IpcacheKey.FAMILY_IPV6, v6a)),
                new Sample<>(EndpointInfo.LAYOUT, new EndpointInfo(17, 42, 1, 0x02000000000aL, 0x02000000000bL)),
                new Sample<>(
                        EndpointConfig.LAYOUT,
                        new EndpointConfig(
                                42,
                                17,
                                1042,
                                0x0ad30002,
                                Optional.of(Ipv6Prefix.host("2001:db8::2").addressBytes()))),
                new Sample<>(PolicyKey.LAYOUT, new PolicyKey(1000, 8080, PolicyKey.TCP, Direction.INGRESS)),
                new Sample<>(PolicyEntry.LAYOUT, new PolicyEntry(PolicyEntry.F_DENY, 4, 400)),
                new Sample<>(Ct4Key.LAYOUT, new Ct4Key(0x0a000001, 0x0a000002, 40_000, 443, 6, Direction.EGRESS)),
                new Sample<>(Ct6Key.LAYOUT, new Ct6Key(v6a, v6b, 40_000, 443, 17, Direction.INGRESS)),
                new Sample<>(CtEntry.LAYOUT, new CtEntry(9_000_000_000L, 10, 1_000, 1042, 3, 0x12)),
                new Sample<>(Notification.HEADER, new Notification.Header(1, 240, 42, 64)),
                new Sample<>(
                        Notification.DROP_LAYOUT,
                        new Notification.Drop(
                                42, DropReason.POLICY_DENY_RULE, 181, 1000, 1042, 7, 74, Optional.of(flow4))),
                new Sample<>(
                        Notification.DROP_LAYOUT,
                        new Notification.Drop(
                                42, DropReason.POLICY_DENIED, 133, 1000, 1042, 7, 94, Optional.of(flow6))),
                new Sample<>(
                        Notification.POLICY_VERDICT_LAYOUT,
                        new Notification.PolicyVerdict(42, 1042, 1000, -133, 7, 2, flow4)));
    }

    @ParameterizedTest
    @MethodSource("samples")
    <T> void writesAndReadsBackTheSameValue(Sample<T> s) {
        byte[] bytes = s.layout().toBytes(s.value());
        assertEquals(s.layout().size(), bytes.length);
        T back = s.layout().fromBytes(bytes);
        assertTrue(sameComponents(s.value(), back), s.value() + " read back as " + back);
        assertArrayEquals(bytes, s.layout().toBytes(back));
    }

    /** Every byte of the struct is a declared member, so nothing is read or written off the declaration. */
    @ParameterizedTest
    @MethodSource("samples")
    void membersCoverTheWholeStruct(Sample<?> s) {
        int end = 0;
        for (Field f : s.layout().fields()) {
            assertEquals(end, f.offset(), s.layout().cName() + "." + f.name());
            end = f.end();
        }
        assertEquals(s.layout().size(), end);
    }

    @Test
    void samplesGiveEveryMemberANonZeroValue() throws Exception {
        Set<String> unset = new TreeSet<>();
        Set<String> set = new HashSet<>();
        for (Sample<?> s : samples().toList()) {
            byte[] bytes = toBytes(s);
            for (Field f : s.layout().fields()) {
                String name = s.layout().cName() + "." + f.name();
                if (f.kind() != Field.Kind.PADDING && !ALWAYS_ZERO.contains(name)) {
                    unset.add(name);
                    for (int i = f.offset(); i < f.end(); i++) {
                        if (bytes[i] != 0) {
                            set.add(name);
                        }
                    }
                }
            }
        }
        unset.removeAll(set);
        assertEquals(Set.of(), unset, "members no sample sets");
    }

    @Test
    void paddingIsWrittenAsZeroAndAlwaysZeroMembersStayZero() {
        byte[] bytes = IpcacheValue.LAYOUT.toBytes(new IpcacheValue(-1, -1));
        assertEquals("ffffffffffffffff00000000", HexFormat.of().formatHex(bytes));
    }

    @Test
    void aDifferentValueGivesDifferentBytes() {
        assertNotEquals(
                HexFormat.of().formatHex(PolicyKey.LAYOUT.toBytes(new PolicyKey(1, 80, 6, Direction.INGRESS))),
                HexFormat.of().formatHex(PolicyKey.LAYOUT.toBytes(new PolicyKey(1, 80, 6, Direction.EGRESS))));
    }

    private static <T> byte[] toBytes(Sample<T> s) {
        return s.layout().toBytes(s.value());
    }

    /** Record equality with arrays compared by content (a record's equals compares array identity). */
    private static boolean sameComponents(Object a, Object b) {
        if (a instanceof Optional<?> oa && b instanceof Optional<?> ob) {
            return oa.isPresent() == ob.isPresent() && (oa.isEmpty() || sameComponents(oa.get(), ob.get()));
        }
        if (!(a instanceof Record) || a.getClass() != b.getClass()) {
            return Objects.deepEquals(a, b);
        }
        try {
            for (var c : a.getClass().getRecordComponents()) {
                if (!sameComponents(c.getAccessor().invoke(a), c.getAccessor().invoke(b))) {
                    return false;
                }
            }
            return true;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
