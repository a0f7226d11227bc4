package io.membrane.datapath.structs;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.List;

/** Mirrors {@code struct metrics_value}: {@code __u64 packets; __u64 bytes;} (16 B), one per CPU. */
public record MetricsValue(long packets, long bytes) {
    public static final Layout<MetricsValue> LAYOUT = Layout.of("metrics_value", 16,
            List.of(Field.u64("packets", 0), Field.u64("bytes", 8)),
            (v, b, o) -> b.putLong(o, v.packets).putLong(o + 8, v.bytes),
            (b, o) -> new MetricsValue(b.getLong(o), b.getLong(o + 8)));

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
