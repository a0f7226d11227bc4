package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;

/**
 * Mirrors {@code struct ipcache_value}: {@code __u32 identity; __be32 node_addr; __u8 flags; __u8 pad[3];}
 * (12 B). node_addr is the IPv4 address (as a 32-bit number, first octet most significant) of the node
 * hosting the address; 0 means this node or outside the cluster.
 */
public record IpcacheValue(int identity, int nodeAddress) {
    public static final Layout<IpcacheValue> LAYOUT = Layout.<IpcacheValue>struct("ipcache_value")
            .u32("identity", IpcacheValue::identity)
            .be32("node_addr", IpcacheValue::nodeAddress)
            .u8("flags", v -> 0)
            .padding("pad", 3)
            .build(m -> new IpcacheValue(m.u32("identity"), m.be32("node_addr")));
}
