package io.membrane.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.net.Cidr;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Which key a CIDR of the cluster deny list lives in. Every node, whatever its JDK or version, must compute the
 * same key, or a removal on one node would look in another key than the add on another; the fixed values below
 * fail the build if the function ever changes.
 */
class DenyListShardsTest {
    @Test
    void theKeyOfACidrIsFixed() {
        assertEquals(
                PrefilterReplication.shardOf(Cidr.parse("10.0.0.0/8")),
                PrefilterReplication.shardOf(Cidr.parse("10.1.2.3/8")),
                "host bits do not matter (they are cleared)");
        int[] actual = {
            PrefilterReplication.shardOf(Cidr.parse("10.0.0.0/8")),
            PrefilterReplication.shardOf(Cidr.parse("198.51.100.7")),
            PrefilterReplication.shardOf(Cidr.parse("0.0.0.0/0")),
            PrefilterReplication.shardOf(Cidr.parse("2001:db8::/32")),
            PrefilterReplication.shardOf(Cidr.parse("2001:db8::1")),
        };
        assertEquals(Arrays.toString(new int[] {244, 150, 0, 104, 178}), Arrays.toString(actual));
        assertEquals("deny-007", PrefilterReplication.key(7).id());
        assertEquals(7, PrefilterReplication.shardOfKey(PrefilterReplication.key(7)));
    }

    @Test
    void hostsSpreadEvenlyOverTheKeys() {
        int[] counts = new int[PrefilterReplication.SHARDS];
        Random random = new Random(5);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            int address = 0x0a000000 | random.nextInt(1 << 24);
            counts[
                    PrefilterReplication.shardOf(Cidr.parse((address >>> 24) + "." + (address >>> 16 & 255) + "."
                            + (address >>> 8 & 255) + "." + (address & 255)))]++;
        }
        int mean = n / PrefilterReplication.SHARDS;
        int max = Arrays.stream(counts).max().orElseThrow();
        int min = Arrays.stream(counts).min().orElseThrow();
        // A key's whole value travels with each write: a key much fuller than the mean makes that write slow.
        assertTrue(max < mean * 1.3 && min > mean * 0.7, "min " + min + ", max " + max + ", mean " + mean);
    }
}
