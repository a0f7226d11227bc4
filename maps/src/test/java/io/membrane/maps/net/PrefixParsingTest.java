package io.membrane.maps.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
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
    @CsvSource(
            delimiter = '|',
            value = {
                "10.0.0.0/33|10.0.0.0/33: prefix length must be 0..32",
                "10.0.0.0/-1|10.0.0.0/-1: prefix length must be 0..32",
                "10.0.0/8|10.0.0/8: not an IPv4 address (expected four dotted decimal octets)",
                "10.0.0.256/32|10.0.0.256/32: not an IPv4 address (octet 256 > 255)",
                "010.0.0.1|010.0.0.1: not an IPv4 address (bad octet '010')",
                "example.com|example.com: not an IPv4 address (expected four dotted decimal octets)",
                "10.0.0.1/|10.0.0.1/: prefix length must be 0..32"
            })
    void v4RejectsBadTextWithAClearMessage(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv4Prefix.parse(text));
        assertEquals(message, e.getMessage());
    }

    @Test
    void v4KeyBytesAreWhatTheKernelSees() {
        assertEquals(
                "18000000cb007100",
                HexFormat.of().formatHex(Ipv4Prefix.LAYOUT.toBytes(Ipv4Prefix.parse("203.0.113.0/24"))));
        assertEquals(
                Ipv4Prefix.parse("203.0.113.0/24"),
                Ipv4Prefix.LAYOUT.fromBytes(HexFormat.of().parseHex("18000000cb007100")));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "2001:db8::/32|2001:db8::/32",
                "2001:DB8:0:0:0:0:0:1|2001:db8::1/128",
                "::|::/128",
                "::1|::1/128",
                "::ffff:198.51.100.7|::ffff:198.51.100.7/128",
                "::ffff:c633:6401/128|::ffff:198.51.100.1/128",
                "0:0:0:0:0:FFFF:198.51.100.1|::ffff:198.51.100.1/128",
                "::ffff:198.51.100.0/120|::ffff:198.51.100.0/120",
                "::ffff:0:0/96|::ffff:0.0.0.0/96",
                "::fffe:c633:6401|::fffe:c633:6401/128",
                "::1:ffff:c633:6401|::1:ffff:c633:6401/128",
                "64:ff9b::198.51.100.1|64:ff9b::c633:6401/128",
                "2001:0db8:0000:0000:0000:0000:0000:0001|2001:db8::1/128",
                "2001:db8:0:1:1:1:1:1|2001:db8:0:1:1:1:1:1/128",
                "2001:db8:0:0:1:0:0:1|2001:db8::1:0:0:1/128",
                "2001:0:0:1:0:0:0:1|2001:0:0:1::1/128",
                "2001:DB8::ABCD|2001:db8::abcd/128",
                "2001:db8:1:2:3:4:5:6/64|2001:db8:1:2::/64",
                "fe80::1:0:0:1/128|fe80::1:0:0:1/128"
            })
    void v6ParsesAndPrintsRfc5952(String text, String canonical) {
        assertEquals(canonical, Ipv6Prefix.parse(text).toString());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2001:db8::/129",
                "2001:db8:::1",
                "1::2::3",
                "2001:db8::g",
                "10.0.0.1",
                "[::1]",
                "fe80::1%eth0",
                "1:2:3:4:5:6:7:8:9",
                "12345::"
            })
    void v6RejectsBadText(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv6Prefix.parse(text));
        assertTrue(e.getMessage().startsWith(text + ":"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                " 1.2.3.4/32",
                "1.2.3.4/32 ",
                "1.2.3.4 /32",
                "1.2.3.4/ 32",
                "\t10.0.0.0/8",
                "10.0.0.0/8\n",
                "10.0.0.1\u00a0",
                " 2001:db8::/32",
                "2001:db8:: /32",
                "2001:db8::/32\r"
            })
    void whitespaceIsRefusedNotTrimmed(String text) {
        for (var parser : List.<java.util.function.Function<String, Object>>of(
                Cidr::parse, Ipv4Prefix::parse, Ipv6Prefix::parse)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parser.apply(text));
            assertTrue(e.getMessage().startsWith("'" + text + "': whitespace (U+"), e.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "10.0.0.0/\u0668|'10.0.0.0/\u0668': a character outside the address syntax (U+0668) at index 9 is not allowed"
                        + " in a CIDR",
                "\uff11.2.3.4|'\uff11.2.3.4': a character outside the address syntax (U+FF11) at index 0 is not allowed"
                        + " in a CIDR",
                "2001:db8::\uff41/128|'2001:db8::\uff41/128': a character outside the address syntax (U+FF41) at index 10"
                        + " is not allowed in a CIDR",
                "10.0\u0007.0.1|'10.0\u0007.0.1': a control character (U+0007) at index 4 is not allowed in a CIDR"
            })
    void charactersOutsideTheAddressSyntaxAreNamed(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
        assertEquals(message, e.getMessage());
    }

    @Test
    void aLeadingSpaceIsNamedWithItsPosition() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(" 1.2.3.4/32"));
        assertEquals("' 1.2.3.4/32': whitespace (U+0020) at index 0 is not allowed in a CIDR", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3.4/+8", "1.2.3.+4", "2001:db8::+1", "2001:db8::/+64", "1.2.3.4/8/8"})
    void signsAndExtraSlashesAreRefused(String text) {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
    }

    @Test
    void emptyTextIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(""));
        assertEquals("'': empty CIDR", e.getMessage());
    }

    @Test
    void v6PrefixLengthMessage() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Ipv6Prefix.parse("2001:db8::/129"));
        assertEquals("2001:db8::/129: prefix length must be 0..128", e.getMessage());
    }

    @Test
    void v6KeyLayoutRoundTrips() {
        Ipv6Prefix p = Ipv6Prefix.parse("2001:db8:abcd::/48");
        byte[] bytes = Ipv6Prefix.LAYOUT.toBytes(p);
        assertEquals(20, bytes.length);
        assertArrayEquals(
                new byte[] {48, 0, 0, 0, 0x20, 0x01, 0x0d, (byte) 0xb8, (byte) 0xab, (byte) 0xcd},
                java.util.Arrays.copyOf(bytes, 10));
        assertEquals(p, Ipv6Prefix.LAYOUT.fromBytes(bytes));
    }
}
