package io.membrane.datapath.structs;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.List;

/**
 * Mirrors {@code struct metrics_key} in bpf/lib/maps.h: {@code __u8 reason; __u8 dir; __u16 pad[3];} (8 B).
 * The raw reason code is kept so that a code this agent does not know still shows up in metrics.
 */
public record MetricsKey(int reasonCode, Direction direction) {
    public static final Layout<MetricsKey> LAYOUT = Layout.of("metrics_key", 8,
            List.of(Field.u8("reason", 0), Field.u8("dir", 1), Field.padding("pad", 2, 6)),
            (k, b, o) -> b.put(o, (byte) k.reasonCode).put(o + 1, (byte) k.direction.code()),
            (b, o) -> new MetricsKey(b.get(o) & 0xff, Direction.of(b.get(o + 1) & 0xff)));

    public MetricsKey(DropReason reason, Direction direction) {
        this(reason.code(), direction);
    }

    public DropReason reason() {
        return DropReason.of(reasonCode);
    }
}
