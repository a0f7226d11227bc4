package io.membrane.bench.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.bench.Frames;
import io.membrane.maps.net.Ipv4Prefix;
import java.nio.ByteBuffer;
import java.util.HashSet;
import org.junit.jupiter.api.Test;

/** The bench's pure parts: the deny list and its probe addresses, the frames, the JSON line. */
class DatapathBenchTest {
    @Test
    void denyListIsDeterministicDistinctAndUsesEveryLength() {
        DenyList a = DenyList.generate(1_000, DenyList.SEED);
        DenyList b = DenyList.generate(1_000, DenyList.SEED);
        assertEquals(a.all(), b.all());
        assertEquals(1_000, new HashSet<>(a.all()).size());
        assertEquals(25, a.distinctLengths());
        assertEquals(1_000, a.hosts().size() + a.ranges().size());
        assertTrue(a.hosts().stream().allMatch(Ipv4Prefix::isHost));
    }

    @Test
    void probesHitATrieRangeAndMissEverything() {
        DenyList list = DenyList.generate(1_000, DenyList.SEED);
        assertEquals(24, list.longestMatch(list.hitInRange()));
        int miss = list.deepMiss();
        assertEquals(-1, list.longestMatch(miss));
        assertTrue(
                list.ranges().stream().anyMatch(p -> p.length() == 24 && (p.address() ^ miss) >>> 8 == 1),
                "the miss is the sibling of a loaded /24");
        assertEquals(
                -1,
                DenyList.generate(0, DenyList.SEED)
                        .longestMatch(DenyList.generate(0, 1).deepMiss()));
    }

    @Test
    void framesCarryTheTupleAndAValidIpChecksum() {
        byte[] f = Frames.tcp(0x0a000001, 0x0a000002, 40_000, 8_080, Frames.TH_SYN);
        assertEquals(60, f.length);
        ByteBuffer b = ByteBuffer.wrap(f);
        assertEquals(0x0800, b.getShort(12) & 0xffff);
        assertEquals(Frames.TCP, f[23]);
        assertEquals(0x0a000001, b.getInt(26));
        assertEquals(0x0a000002, b.getInt(30));
        assertEquals(40_000, b.getShort(34) & 0xffff);
        assertEquals(8_080, b.getShort(36) & 0xffff);
        assertEquals(Frames.TH_SYN, f[47]);
        assertEquals(0, Frames.checksum(f, Frames.ETH_HLEN, Frames.IPV4_HLEN), "header sums to 0 with its checksum");
        assertEquals(17, Frames.udp(1, 2, 3, 4)[23]);
    }
}
