package io.membrane.maps.net;

/**
 * An address prefix of either family, canonical (host bits zero): what {@link Cidr} holds and what the prefilter
 * needs to know of it without asking which family it is.
 */
public sealed interface IpPrefix permits Ipv4Prefix, Ipv6Prefix {
    /** The prefix length: 0..32 for IPv4, 0..128 for IPv6. */
    int length();

    /** Whether the prefix names one address (/32 or /128). */
    boolean isHost();
}
