package io.membrane.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The kernel LPM trie picks the longest stored prefix; deleting it falls back to the shorter one. */
@Tag("kernel")
class LpmSemanticsTest {
    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @Test
    void v4LongestPrefixWinsAndDeleteFallsBack() {
        try (LpmTrieMap<Ipv4Prefix, Integer> map =
                kernel.pins().openOrCreate(MapSpec.lpmTrie("lpm_v4", Ipv4Prefix.LAYOUT, Layout.U32, 64))) {
            map.put(Ipv4Prefix.parse("10.0.0.0/8"), 8);
            map.put(Ipv4Prefix.parse("10.1.2.3/32"), 32);
            assertEquals(Optional.of(32), map.lookup(Ipv4Prefix.host("10.1.2.3")));
            assertEquals(Optional.of(8), map.lookup(Ipv4Prefix.host("10.1.2.4")));
            assertEquals(Optional.empty(), map.lookup(Ipv4Prefix.host("11.0.0.1")));

            map.delete(Ipv4Prefix.parse("10.1.2.3/32"));
            assertEquals(Optional.of(8), map.lookup(Ipv4Prefix.host("10.1.2.3")));
        }
    }

    @Test
    void v6LongestPrefixWinsAndDeleteFallsBack() {
        try (LpmTrieMap<Ipv6Prefix, Integer> map =
                kernel.pins().openOrCreate(MapSpec.lpmTrie("lpm_v6", Ipv6Prefix.LAYOUT, Layout.U32, 64))) {
            map.put(Ipv6Prefix.parse("2001:db8::/32"), 32);
            map.put(Ipv6Prefix.parse("2001:db8:1::7/128"), 128);
            map.put(Ipv6Prefix.parse("2001:db8:1::/48"), 48);
            assertEquals(Optional.of(128), map.lookup(Ipv6Prefix.host("2001:db8:1::7")));
            assertEquals(Optional.of(48), map.lookup(Ipv6Prefix.host("2001:db8:1::8")));
            assertEquals(Optional.of(32), map.lookup(Ipv6Prefix.host("2001:db8:2::1")));

            map.delete(Ipv6Prefix.parse("2001:db8:1::7/128"));
            assertEquals(Optional.of(48), map.lookup(Ipv6Prefix.host("2001:db8:1::7")));
            map.delete(Ipv6Prefix.parse("2001:db8:1::/48"));
            assertEquals(Optional.of(32), map.lookup(Ipv6Prefix.host("2001:db8:1::7")));
        }
    }
}
