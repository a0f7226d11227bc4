package io.membrane.datapath.structs;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.util.List;

/**
 * Mirrors {@code struct ipcache_value}: {@code __u32 identity; __be32 node_addr; __u8 flags; __u8 pad[3];}
 * (12 B). node_addr is the IPv4 address (as a 32-bit number, first octet most significant) of the node
 * hosting the address; 0 means this node or outside the cluster.
 */
public record IpcacheValue(int identity, int nodeAddress) {
    public static final Layout<IpcacheValue> LAYOUT = Layout.of("ipcache_value", 12,
            List.of(Field.u32("identity", 0), Field.be32("node_addr", 4), Field.u8("flags", 8),
                    Field.padding("pad", 9, 3)),
            (v, b, o) -> b.putInt(o, v.identity).putInt(o + 4, Integer.reverseBytes(v.nodeAddress)),
            (b, o) -> new IpcacheValue(b.getInt(o), Integer.reverseBytes(b.getInt(o + 4))));
}
