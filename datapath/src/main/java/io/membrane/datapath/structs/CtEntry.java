package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;

/**
 * Mirrors {@code struct ct_entry}: {@code __u64 expires_ns; __u64 packets; __u64 bytes; __u32 peer_identity;
 * __u16 flags; __u8 tcp_flags_seen; __u8 pad;} (32 B). expires_ns is CLOCK_MONOTONIC (tick resolution), as bpf_ktime_get_coarse_ns.
 */
public record CtEntry(long expiresNs, long packets, long bytes, int peerIdentity, int flags, int tcpFlagsSeen) {
    public static final Layout<CtEntry> LAYOUT = Layout.<CtEntry>struct("ct_entry")
            .u64("expires_ns", CtEntry::expiresNs)
            .u64("packets", CtEntry::packets)
            .u64("bytes", CtEntry::bytes)
            .u32("peer_identity", CtEntry::peerIdentity)
            .u16("flags", CtEntry::flags)
            .u8("tcp_flags_seen", CtEntry::tcpFlagsSeen)
            .padding("pad", 1)
            .build(m -> new CtEntry(
                    m.u64("expires_ns"),
                    m.u64("packets"),
                    m.u64("bytes"),
                    m.u32("peer_identity"),
                    m.u16("flags"),
                    m.u8("tcp_flags_seen")));
}
