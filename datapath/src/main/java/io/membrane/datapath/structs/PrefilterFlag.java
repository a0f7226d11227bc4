package io.membrane.datapath.structs;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.List;

/**
 * Mirrors {@code struct lpm_val}: {@code __u8 flags;} (1 B), the value of all four CIDR maps. The key's
 * presence is the verdict; the agent writes {@link #DENY}.
 */
public record PrefilterFlag(int flags) {
    public static final PrefilterFlag DENY = new PrefilterFlag(1);
    public static final Layout<PrefilterFlag> LAYOUT = Layout.of("lpm_val", 1, List.of(Field.u8("flags", 0)),
            (v, b, o) -> b.put(o, (byte) v.flags), (b, o) -> new PrefilterFlag(b.get(o) & 0xff));
}
