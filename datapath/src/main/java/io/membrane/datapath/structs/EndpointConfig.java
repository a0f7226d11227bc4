package io.membrane.datapath.structs;

import io.membrane.maps.layout.Layout;
import java.util.Arrays;
import java.util.Optional;

/**
 * Mirrors {@code struct ep_config} of bpf_lxc.c, the constants one endpoint's copy of the program is loaded with
 * ({@code EP_CONFIG} in .rodata): {@code __u32 lxc_id; __u32 ifindex; __u32 seclabel; __be32 ipv4; __u8 ipv6[16];}
 * (32 B). No IPv4 is 0.0.0.0, no IPv6 all zero: the endpoint then sends from neither.
 *
 * @param ipv4 the IPv4 address as a host-order int (network order on the wire)
 */
public record EndpointConfig(int endpointId, int ifindex, int identity, int ipv4, Optional<byte[]> ipv6) {
    /** The name of the constant in the object. */
    public static final String VARIABLE = "EP_CONFIG";

    public static final Layout<EndpointConfig> LAYOUT = Layout.<EndpointConfig>struct("ep_config")
            .u32("lxc_id", EndpointConfig::endpointId)
            .u32("ifindex", EndpointConfig::ifindex)
            .u32("seclabel", EndpointConfig::identity)
            .be32("ipv4", EndpointConfig::ipv4)
            .bytes("ipv6", 16, c -> c.ipv6.orElse(new byte[16]))
            .build(m -> {
                byte[] v6 = m.bytes("ipv6");
                return new EndpointConfig(
                        m.u32("lxc_id"),
                        m.u32("ifindex"),
                        m.u32("seclabel"),
                        m.be32("ipv4"),
                        Arrays.equals(v6, new byte[16]) ? Optional.empty() : Optional.of(v6));
            });

    public EndpointConfig {
        if (endpointId < 0 || endpointId > 65_535) {
            throw new IllegalArgumentException("endpoint id " + endpointId + " is not 0..65535");
        }
        if (ipv6.isPresent() && ipv6.get().length != 16) {
            throw new IllegalArgumentException("an IPv6 address is 16 bytes, not " + ipv6.get().length);
        }
        ipv6 = ipv6.map(byte[]::clone);
    }

    /** The bytes of the constant as the object holds it. */
    public byte[] toBytes() {
        return LAYOUT.toBytes(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EndpointConfig c
                && c.endpointId == endpointId
                && c.ifindex == ifindex
                && c.identity == identity
                && c.ipv4 == ipv4
                && Arrays.equals(c.ipv6.orElse(null), ipv6.orElse(null));
    }

    @Override
    public int hashCode() {
        return ((endpointId * 31 + ifindex) * 31 + identity) * 31 + ipv4;
    }
}
