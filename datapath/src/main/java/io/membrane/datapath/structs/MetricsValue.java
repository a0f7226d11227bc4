package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;
import java.util.List;

/** Mirrors {@code struct metrics_value}: {@code __u64 packets; __u64 bytes;} (16 B), one per CPU. */
public record MetricsValue(long packets, long bytes) {
    public static final Layout<MetricsValue> LAYOUT = Layout.<MetricsValue>struct("metrics_value")
            .u64("packets", MetricsValue::packets)
            .u64("bytes", MetricsValue::bytes)
            .build(m -> new MetricsValue(m.u64("packets"), m.u64("bytes")));

    public static final MetricsValue ZERO = new MetricsValue(0, 0);

    /** Adds the per-CPU copies the kernel returns. */
    public static MetricsValue sum(List<MetricsValue> perCpu) {
        long p = 0;
        long by = 0;
        for (MetricsValue v : perCpu) {
            p += v.packets;
            by += v.bytes;
        }
        return new MetricsValue(p, by);
    }
}
