package io.membrane.maps.net;

/**
 * An IPv4 or IPv6 CIDR, as users write them in deny lists and policies. Text with a ':' is IPv6, anything else
 * IPv4; a bare address is a host prefix (/32, /128). Host bits are cleared.
 */
public sealed interface Cidr extends Comparable<Cidr> permits Cidr.V4, Cidr.V6 {
    /** An IPv4 CIDR. */
    record V4(Ipv4Prefix prefix) implements Cidr {
        @Override
        public String toString() {
            return prefix.toString();
        }
    }

    /** An IPv6 CIDR. */
    record V6(Ipv6Prefix prefix) implements Cidr {
        @Override
        public String toString() {
            return prefix.toString();
        }
    }

    /** The prefix, of the family the variant names. */
    IpPrefix prefix();

    /** Whether this names one address (/32 or /128): such entries go to the exact-match maps. */
    default boolean isHost() {
        return prefix().isHost();
    }

    /**
     * Parses the text exactly as given: whitespace anywhere, including around it, is refused, never trimmed.
     *
     * @throws IllegalArgumentException naming the text and what is wrong with it
     */
    static Cidr parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("'" + (text == null ? "" : text) + "': empty CIDR");
        }
        return text.indexOf(':') >= 0 ? new V6(Ipv6Prefix.parse(text)) : new V4(Ipv4Prefix.parse(text));
    }

    /** IPv4 before IPv6, then by address and length. */
    @Override
    default int compareTo(Cidr o) {
        if (this instanceof V4 a && o instanceof V4 b) {
            return a.prefix().compareTo(b.prefix());
        }
        if (this instanceof V6 a && o instanceof V6 b) {
            return a.prefix().compareTo(b.prefix());
        }
        return this instanceof V4 ? -1 : 1;
    }
}
