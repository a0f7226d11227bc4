package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;

/**
 * Mirrors {@code struct policy_entry}: {@code __u8 flags; __u8 pad[7]; __u64 packets; __u64 bytes;} (24 B).
 * Flag bit 0 makes the entry a deny, which wins over any allow.
 */
public record PolicyEntry(int flags, long packets, long bytes) {
    public static final int F_DENY = 1;
    public static final PolicyEntry ALLOW = new PolicyEntry(0, 0, 0);
    public static final PolicyEntry DENY = new PolicyEntry(F_DENY, 0, 0);

    public static final Layout<PolicyEntry> LAYOUT = Layout.<PolicyEntry>struct("policy_entry")
            .u8("flags", PolicyEntry::flags)
            .padding("pad", 7)
            .u64("packets", PolicyEntry::packets)
            .u64("bytes", PolicyEntry::bytes)
            .build(m -> new PolicyEntry(m.u8("flags"), m.u64("packets"), m.u64("bytes")));

    public boolean isDeny() {
        return (flags & F_DENY) != 0;
    }
}
