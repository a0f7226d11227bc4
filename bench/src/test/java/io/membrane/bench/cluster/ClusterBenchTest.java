package io.membrane.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.api.model.ApiJson;
import io.membrane.bench.BenchJson;
import io.membrane.lab.Lab;
import io.membrane.maps.net.Ipv4Prefix;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterBenchTest {
    @Test
    void theJoinSetIsDistinctAndNeverCoversTheLabFabric() {
        List<Ipv4Prefix> cidrs = ClusterBench.joinCidrs(1 << 18);
        assertEquals(1 << 18, new HashSet<>(cidrs).size());
        Ipv4Prefix fabric = Ipv4Prefix.parse("10.79.0.0/24");
        for (Ipv4Prefix p : cidrs) {
            assertEquals(28, p.length());
            assertFalse(p.contains(fabric) || fabric.contains(p), p + " overlaps the lab fabric");
        }
        assertTrue(Lab.CLIENT_ADDRESSES.stream().allMatch(a -> fabric.contains(Ipv4Prefix.host(a))));
    }

    @Test
    void settingsAreParsedStrictly() {
        ClusterBench.Settings s =
                ClusterBench.Settings.parse(new String[] {"/x", "--updates", "7", "--join-rounds", "2", "--no-write"});
        assertEquals(7, s.updates());
        assertEquals(ClusterBench.DEFAULT_JOIN_CIDRS, s.joinCidrs());
        assertEquals(2, s.joinRounds());
        assertFalse(s.write());
        assertThrows(
                IllegalArgumentException.class, () -> ClusterBench.Settings.parse(new String[] {"--updates", "0"}));
        assertThrows(IllegalArgumentException.class, () -> ClusterBench.Settings.parse(new String[] {"--updates"}));
        assertEquals(
                ClusterBench.MAX_UPDATES,
                ClusterBench.Settings.parse(new String[] {"--updates", String.valueOf(ClusterBench.MAX_UPDATES)})
                        .updates());
        // One more would take the /24 after the cluster-scoped /11 (10.192.0.0/11): the node-scoped range.
        assertThrows(
                IllegalArgumentException.class,
                () -> ClusterBench.Settings.parse(
                        new String[] {"--updates", String.valueOf(ClusterBench.MAX_UPDATES + 1)}));
        assertEquals(
                Ipv4Prefix.parse("10.224.0.0/11"),
                new Ipv4Prefix(0x0AC0_0000 + ((ClusterBench.WARMUP + ClusterBench.MAX_UPDATES) << 8), 11));
        assertThrows(
                IllegalArgumentException.class,
                () -> ClusterBench.Settings.parse(new String[] {"--join-cidrs", String.valueOf((1 << 18) + 1)}));
        assertThrows(IllegalArgumentException.class, () -> ClusterBench.Settings.parse(new String[] {"--fast"}));
    }

    @Test
    void requestBodiesAreTheApiJson() {
        assertEquals(
                "{\"deny\":[\"10.0.0.0/24\",\"10.0.1.0/24\"],\"scope\":\"cluster\"}",
                ApiJson.compact(ClusterBench.body(
                        List.of(Ipv4Prefix.parse("10.0.0.0/24"), Ipv4Prefix.parse("10.0.1.0/24")), "cluster")));
    }

    @Test
    void jsonLineCarriesThePercentilesAndTheJoin() {
        ClusterBench.Samples s = new ClusterBench.Samples(new double[] {1.0, 2.0, 3.0, 40.0});
        ClusterBench.Propagation p = new ClusterBench.Propagation(s, s, s, s);
        ClusterBench.Join j =
                new ClusterBench.Join(100_000, new double[] {2_100, 2_300, 2_200}, new double[] {900}, 5_000, 180.4);
        String line = ClusterBench.json(p, j);
        Map<String, Double> n = BenchJson.numbers(line);
        assertEquals(2.0, n.get("propagation_p50_ms"));
        assertEquals(40.0, n.get("propagation_max_ms"));
        assertEquals(2_200.0, n.get("join_100k_ms"));
        assertEquals(100_000.0, n.get("join_cidrs"));
        assertEquals(180.0, n.get("local_patch_join_set_ms"));
        assertTrue(line.startsWith("{\"bench\":\"cluster\","), line);
    }
}
