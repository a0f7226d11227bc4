package io.membrane.actors.ipcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.net.Cidr;
import org.junit.jupiter.api.Test;

class IpCidrTest {
    @Test
    void acceptsCanonicalPrefixesAndHosts() {
        assertEquals(Cidr.parse("198.51.100.0/24"), IpCidr.parseUser("198.51.100.0/24"));
        assertEquals(Cidr.parse("198.51.100.7/32"), IpCidr.parseUser("198.51.100.7"));
        assertEquals(Cidr.parse("2001:db8::/64"), IpCidr.parseUser("2001:db8::/64"));
    }

    @Test
    void refusesHostBitsWrongLengthsAndTheWorldNamingTheText() {
        for (String bad :
                new String[] {"198.51.100.7/24", "198.51.100.0/33", "2001:db8::1/64", "0.0.0.0/0", "::/0", "x"}) {
            IpCacheException e = assertThrows(IpCacheException.class, () -> IpCidr.parseUser(bad), bad);
            assertEquals(IpCacheException.Reason.INVALID_CIDR, e.reason());
            assertEquals(bad, e.offendingValue());
        }
    }

    @Test
    void containment() {
        assertTrue(IpCidr.contains(Cidr.parse("10.0.0.0/8"), Cidr.parse("10.1.2.3")));
        assertFalse(IpCidr.contains(Cidr.parse("10.0.0.0/8"), Cidr.parse("11.0.0.0/8")));
        assertTrue(IpCidr.contains(Cidr.parse("2001:db8::/32"), Cidr.parse("2001:db8:1::/48")));
        assertFalse(IpCidr.contains(Cidr.parse("2001:db8::/32"), Cidr.parse("10.0.0.0/8")));
    }
}
