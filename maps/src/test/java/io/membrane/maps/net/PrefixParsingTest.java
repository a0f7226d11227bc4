package io.membrane.maps.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PrefixParsingTest {
    @Test
    void v4ParsesAndCanonicalises() {
        assertEquals("203.0.113.0/24", Ipv4Prefix.parse("203.0.113.77/24").toString());
        assertEquals("10.1.2.3/32", Ipv4Prefix.parse("10.1.2.3").toString());
        assertEquals("0.0.0.0/0", Ipv4Prefix.parse("1.2.3.4/0").toString());
        assertTrue(Ipv4Prefix.parse("10.0.0.0/8").contains(Ipv4Prefix.host("10.200.1.1")));
        assertFalse(Ipv4Prefix.parse("10.0.0.0/8").contains(Ipv4Prefix.host("11.0.0.1")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "10.0.0.0/33|10.0.0.0/33: prefix length must be 0..32",
        "10.0.0.0/-1|10.0.0.0/-1: prefix length must be 0..32",
        "10.0.0/8|10.0.0/8: not an IPv4 address (expected four dotted decimal octets)",
        "10.0.0.256/32|10.0.0.256/32: not an IPv4 address (octet 256 > 255)",
        "010.0.0.1|010.0.0.1: not an IPv4 address (bad octet '010')",
        "example.com|example.com: not an IPv4 address (expected four dotted decimal octets)",
        "10.0.0.1/|10.0.0.1/: prefix length must be 0..32"})
    void v4RejectsBadTextWithAClearMessage(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv4Prefix.parse(text));
        assertEquals(message, e.getMessage());
    }

    @Test
    void v4KeyBytesAreWhatTheKernelSees() {
        assertEquals("18000000cb007100", HexFormat.of().formatHex(
                Ipv4Prefix.LAYOUT.toBytes(Ipv4Prefix.parse("203.0.113.0/24"))));
        assertEquals(Ipv4Prefix.parse("203.0.113.0/24"),
                Ipv4Prefix.LAYOUT.fromBytes(HexFormat.of().parseHex("18000000cb007100")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2001:db8::/32|2001:db8::/32",
        "2001:DB8:0:0:0:0:0:1|2001:db8::1/128",
        "::|::/128",
        "::1|::1/128",
        "::ffff:198.51.100.7|::ffff:c633:6407/128",
        "2001:db8:1:2:3:4:5:6/64|2001:db8:1:2::/64",
        "fe80::1:0:0:1/128|fe80::1:0:0:1/128"})
    void v6ParsesAndPrintsRfc5952(String text, String canonical) {
        assertEquals(canonical, Ipv6Prefix.parse(text).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2001:db8::/129", "2001:db8:::1", "1::2::3", "2001:db8::g", "10.0.0.1", "[::1]",
        "fe80::1%eth0", "1:2:3:4:5:6:7:8:9", "12345::"})
    void v6RejectsBadText(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv6Prefix.parse(text));
        assertTrue(e.getMessage().startsWith(text + ":"), e.getMessage());
    }

    @Test
    void v6PrefixLengthMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ipv6Prefix.parse("2001:db8::/129"));
        assertEquals("2001:db8::/129: prefix length must be 0..128", e.getMessage());
    }

    @Test
    void v6KeyLayoutRoundTrips() {
        Ipv6Prefix p = Ipv6Prefix.parse("2001:db8:abcd::/48");
        byte[] bytes = Ipv6Prefix.LAYOUT.toBytes(p);
        assertEquals(20, bytes.length);
        assertArrayEquals(new byte[] {48, 0, 0, 0, 0x20, 0x01, 0x0d, (byte) 0xb8, (byte) 0xab, (byte) 0xcd},
                java.util.Arrays.copyOf(bytes, 10));
        assertEquals(p, Ipv6Prefix.LAYOUT.fromBytes(bytes));
    }
}
