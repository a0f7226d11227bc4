package io.membrane.actors.ipcache;

import io.membrane.maps.net.Cidr;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.util.Arrays;

/**
 * The CIDRs a user may give the ipcache. Stricter than {@link Cidr#parse}, which clears host bits as a deny list
 * wants: an ipcache prefix with host bits set ({@code 198.51.100.7/24}) is almost always a typo for a host or for a
 * different network, and mapping it silently would give an identity to addresses nobody named. The world prefixes
 * are the agent's own.
 */
public final class IpCidr {
    private IpCidr() {}

    /** @throws IpCacheException (INVALID_CIDR) naming the text and what is wrong with it */
    public static Cidr parseUser(String text) {
        Cidr cidr;
        Cidr address;
        try {
            cidr = Cidr.parse(text);
            int slash = text.indexOf('/');
            address = Cidr.parse(slash < 0 ? text : text.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IpCacheException(IpCacheException.Reason.INVALID_CIDR, text, e.getMessage());
        }
        if (!sameAddress(cidr, address)) {
            throw new IpCacheException(
                    IpCacheException.Reason.INVALID_CIDR,
                    text,
                    "'" + text + "': host bits are set (the prefix is " + cidr + ")");
        }
        if (cidr.prefix().length() == 0) {
            throw new IpCacheException(
                    IpCacheException.Reason.INVALID_CIDR,
                    text,
                    "'" + text + "': the whole address space is the world identity's");
        }
        return cidr;
    }

    /** Whether {@code inner} lies within {@code outer} (the same family, at least as long, the same leading bits). */
    public static boolean contains(Cidr outer, Cidr inner) {
        if (outer instanceof Cidr.V4 o && inner instanceof Cidr.V4 i) {
            return o.prefix().contains(i.prefix());
        }
        if (outer instanceof Cidr.V6 o && inner instanceof Cidr.V6 i) {
            return i.prefix().length() >= o.prefix().length()
                    && new Ipv6Prefix(i.prefix().addressBytes(), o.prefix().length()).equals(o.prefix());
        }
        return false;
    }

    private static boolean sameAddress(Cidr cidr, Cidr address) {
        if (cidr instanceof Cidr.V4 c && address instanceof Cidr.V4 a) {
            return c.prefix().address() == a.prefix().address();
        }
        return address instanceof Cidr.V6 a
                && Arrays.equals(
                        ((Cidr.V6) cidr).prefix().addressBytes(), a.prefix().addressBytes());
    }

    /** {@code 0.0.0.0/0}. */
    static final Cidr WORLD_V4 = new Cidr.V4(new Ipv4Prefix(0, 0));

    /** {@code ::/0}. */
    static final Cidr WORLD_V6 = new Cidr.V6(new Ipv6Prefix(new byte[16], 0));
}
