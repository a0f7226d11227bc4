package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;

/**
 * Mirrors {@code struct notify_budget}: {@code __u64 window_start_ns; __u32 sent; __u32 suppressed;} (16 B),
 * the per-CPU state of the prefilter's notification rate limit. The agent reads {@code suppressed} to report
 * how many drop notifications the limit held back.
 */
public record NotifyBudget(long windowStartNs, int sent, int suppressed) {
    public static final Layout<NotifyBudget> LAYOUT = Layout.<NotifyBudget>struct("notify_budget")
            .u64("window_start_ns", NotifyBudget::windowStartNs)
            .u32("sent", NotifyBudget::sent)
            .u32("suppressed", NotifyBudget::suppressed)
            .build(m -> new NotifyBudget(m.u64("window_start_ns"), m.u32("sent"), m.u32("suppressed")));
}
