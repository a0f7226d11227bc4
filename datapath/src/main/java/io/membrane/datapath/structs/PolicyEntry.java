package io.membrane.datapath.structs;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.List;

/**
 * Mirrors {@code struct policy_entry}: {@code __u8 flags; __u8 pad[7]; __u64 packets; __u64 bytes;} (24 B).
 * Flag bit 0 makes the entry a deny, which wins over any allow.
 */
public record PolicyEntry(int flags, long packets, long bytes) {
    public static final int F_DENY = 1;
    public static final PolicyEntry ALLOW = new PolicyEntry(0, 0, 0);
    public static final PolicyEntry DENY = new PolicyEntry(F_DENY, 0, 0);

    public static final Layout<PolicyEntry> LAYOUT = Layout.of("policy_entry", 24,
            List.of(Field.u8("flags", 0), Field.padding("pad", 1, 7), Field.u64("packets", 8),
                    Field.u64("bytes", 16)),
            (v, b, o) -> b.put(o, (byte) v.flags).putLong(o + 8, v.packets).putLong(o + 16, v.bytes),
            (b, o) -> new PolicyEntry(b.get(o) & 0xff, b.getLong(o + 8), b.getLong(o + 16)));

    public boolean isDeny() {
        return (flags & F_DENY) != 0;
    }
}
