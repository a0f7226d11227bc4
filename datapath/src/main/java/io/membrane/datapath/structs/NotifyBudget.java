package io.membrane.datapath.structs;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.List;

/**
 * Mirrors {@code struct notify_budget}: {@code __u64 window_start_ns; __u32 sent; __u32 suppressed;} (16 B),
 * the per-CPU state of the prefilter's notification rate limit. The agent reads {@code suppressed} to report
 * how many drop notifications the limit held back.
 */
public record NotifyBudget(long windowStartNs, int sent, int suppressed) {
    public static final Layout<NotifyBudget> LAYOUT = Layout.of("notify_budget", 16,
            List.of(Field.u64("window_start_ns", 0), Field.u32("sent", 8), Field.u32("suppressed", 12)),
            (v, b, o) -> b.putLong(o, v.windowStartNs).putInt(o + 8, v.sent).putInt(o + 12, v.suppressed),
            (b, o) -> new NotifyBudget(b.getLong(o), b.getInt(o + 8), b.getInt(o + 12)));
}
