package io.membrane.datapath.structs;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.List;

/**
 * Mirrors {@code struct ct_entry}: {@code __u64 expires_ns; __u64 packets; __u64 bytes; __u32 peer_identity;
 * __u16 flags; __u8 tcp_flags_seen; __u8 pad;} (32 B). expires_ns is CLOCK_MONOTONIC (tick resolution), as bpf_ktime_get_coarse_ns.
 */
public record CtEntry(long expiresNs, long packets, long bytes, int peerIdentity, int flags, int tcpFlagsSeen) {
    public static final Layout<CtEntry> LAYOUT = Layout.of("ct_entry", 32,
            List.of(Field.u64("expires_ns", 0), Field.u64("packets", 8), Field.u64("bytes", 16),
                    Field.u32("peer_identity", 24), Field.u16("flags", 28), Field.u8("tcp_flags_seen", 30),
                    Field.padding("pad", 31, 1)),
            (v, b, o) -> b.putLong(o, v.expiresNs).putLong(o + 8, v.packets).putLong(o + 16, v.bytes)
                    .putInt(o + 24, v.peerIdentity).putShort(o + 28, (short) v.flags).put(o + 30, (byte) v.tcpFlagsSeen),
            (b, o) -> new CtEntry(b.getLong(o), b.getLong(o + 8), b.getLong(o + 16), b.getInt(o + 24),
                    b.getShort(o + 28) & 0xffff, b.get(o + 30) & 0xff));
}
