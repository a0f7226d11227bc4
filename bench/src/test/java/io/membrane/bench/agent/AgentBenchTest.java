package io.membrane.bench.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.api.PrefilterRequest;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.bench.BenchFailure;
import io.membrane.bench.BenchJson;
import io.membrane.bench.Machine;
import io.membrane.maps.net.Ipv4Prefix;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench's pure parts: options, the CIDR list and its body, the round arithmetic, the report. */
class AgentBenchTest {
    @Test
    void settingsDefaultToThreeScenariosAndWriting() {
        AgentBench.Settings s = AgentBench.Settings.parse(new String[] {"/tmp/x"});
        assertEquals(Path.of("/tmp/x"), s.root());
        assertEquals(AgentBench.DEFAULT_ROUNDS, s.rounds());
        assertEquals(AgentBench.Scenario.defaults(), s.scenarios());
        assertEquals(1, s.scenarios().get(0).producers());
        assertEquals(-1, s.scenarios().get(0).pinConsumer());
        assertEquals(0, s.scenarios().get(2).pinConsumer());
        assertTrue(s.write());

        AgentBench.Settings one =
                AgentBench.Settings.parse(new String[] {"--producers", "2", "--pin-consumer", "1", "--rounds", "3"});
        assertEquals(List.of(new AgentBench.Scenario(2, 1)), one.scenarios());
        assertEquals(3, one.rounds());
        assertFalse(one.write(), "an investigation run leaves BENCHMARKS.md alone");
        assertThrows(BenchFailure.class, () -> AgentBench.Settings.parse(new String[] {"--rounds", "0"}));
        assertThrows(BenchFailure.class, () -> AgentBench.Settings.parse(new String[] {"--bogus"}));
        assertThrows(BenchFailure.class, () -> AgentBench.Settings.parse(new String[] {"--only", "x"}));
        assertThrows(BenchFailure.class, () -> AgentBench.Settings.parse(new String[] {"--pages", "100"}));
        assertEquals(
                256, AgentBench.Settings.parse(new String[] {"--pages", "256"}).pages());
        assertEquals(0, s.pages(), "0: the agent's default");
    }

    @Test
    void cidrListIsDeterministicDistinctShapedAndLeavesTheOutsideProbeOut() {
        List<Ipv4Prefix> a = PatchBench.cidrList(10_000, PatchBench.CIDR_SEED);
        assertEquals(a, PatchBench.cidrList(10_000, PatchBench.CIDR_SEED));
        assertEquals(10_000, new HashSet<>(a).size());
        assertEquals(6_000, a.stream().filter(Ipv4Prefix::isHost).count());
        assertEquals(3_000, a.stream().filter(p -> p.length() == 24).count());
        assertTrue(a.stream().allMatch(p -> p.length() >= 16));
        Ipv4Prefix outside = new Ipv4Prefix(PatchBench.OUTSIDE, 32);
        assertTrue(a.stream().noneMatch(p -> p.contains(outside)));
        for (Ipv4Prefix p : a.subList(0, 100)) {
            assertTrue(p.contains(new Ipv4Prefix(PatchBench.probe(p), 32)), p.toString());
        }
    }

    @Test
    void denyRequestIsWhatTheApiParses() {
        List<Ipv4Prefix> cidrs = PatchBench.cidrList(500, 7);
        PrefilterRequest req = PrefilterRequest.parse(ApiJson.compact(PatchBench.denyRequest(cidrs)));
        assertEquals(
                cidrs.stream().map(Ipv4Prefix::toString).toList(),
                req.deny().stream().map(Object::toString).toList());
        assertTrue(req.revision().isEmpty());
    }

    @Test
    void roundsCountEveryUndeliveredEventAsLost() {
        PumpBench.Round r = new PumpBench.Round(100_000, 90_000, 4_000, 900_000_000L, 1_000_000_000L, 270_000_000L);
        assertEquals(10_000, r.lost(), "6,000 of them the kernel never got to report");
        assertEquals(90_000, r.eventsPerSecond(), 1e-6);
        assertEquals(100.0, r.lagMs(), 1e-9);
        assertEquals(3_000, r.cpuNanosPerEvent(), 1e-9);
        assertEquals(99_000, PumpBench.roundUp(98_500, 1_000));
    }

    @Test
    void reportHasBothSectionsTheTablesAndEndsWithItsJson() {
        AgentBenchReport report = new AgentBenchReport(
                patch(),
                List.of(pump(1, -1, 0), pump(2, -1, 500), pump(2, 0, 0)),
                new AgentBenchReport.Environment(
                        new Machine(LocalDate.of(2026, 11, 26), "6.18", 2, "1.1", "17"), "12.2.0"));
        String json = report.json();
        Map<String, Double> n = BenchJson.numbers(json);
        for (String key : List.of(
                "patch_10k_cidrs_ms",
                "pump_events_per_s",
                "pump_ratio_vs_c",
                "pump_lost",
                "pump_2p_lost",
                "pump_2p_pinned_lost")) {
            assertTrue(n.containsKey(key), key + " in " + json);
        }
        assertEquals(50.0, n.get("patch_10k_cidrs_ms"));
        assertEquals(0.0, n.get("pump_lost"));
        assertEquals(1_000.0, n.get("pump_2p_lost"));
        assertEquals(1.0, n.get("pump_ratio_vs_c"));
        assertTrue(json.contains("\"patch_target_met\":true") && json.contains("\"pump_target_met\":true"), json);
        assertFalse(json.contains("\n"));

        String md = report.markdown();
        assertTrue(md.contains("### PATCH /v1/prefilter of 10,000 CIDRs"));
        assertTrue(md.contains("### Event pump against a C consumer"));
        assertTrue(
                md.contains("| 1 thread | events delivered per second | 100,000 | 100,000 | 1.00 (1.00–1.00) | ≥ 0.7 "
                        + "| yes |"),
                md);
        assertTrue(md.contains("| 2 threads | events lost, 2 rounds × 100,000 | 1,000 (in 2 rounds) |"), md);
        assertTrue(
                md.contains("| 1 thread | events lost, 2 rounds × 100,000 | 0 (in 0 rounds) | 0 (in 0 rounds) | — "
                        + "| 0 | yes |"),
                md);
        assertTrue(md.contains("the producer set the pace"), md);
        assertTrue(md.contains("neither consumer lost anything"), md);
        assertTrue(md.contains("unpinned above: 1,000 and 1,000"), md);
        assertTrue(md.strip().endsWith(json), "the section ends with the run's JSON");
    }

    @Test
    void verdictExplainsLossesByHowLongTheRingLasts() {
        PumpBench.Round ok = new PumpBench.Round(100_000, 100_000, 0, 1_000_000_000L, 999_000_000L, 1L);
        PumpBench.Round lossy = new PumpBench.Round(100_000, 90_000, 0, 1_000_000_000L, 999_000_000L, 1L);
        PumpBench.Figures f = new PumpBench.Figures(1, 100_000, 2, 64, -1, 28, side(ok, lossy), side(ok, ok), side());
        String v = AgentBenchReport.verdict(f);
        assertTrue(v.contains("Java lost 10,000 events in 1 round of 2, C 0 in 0 rounds"), v);
        assertTrue(v.contains("(about 3,276 notifications) lasts about 33 ms"), v);
        assertFalse(f.met());
        assertFalse(f.producerBound());
    }

    private static PatchBench.Figures patch() {
        return new PatchBench.Figures(
                10_000,
                6_000,
                2,
                3,
                700,
                new double[] {40, 60},
                new double[] {20, 30},
                new double[] {45, 55},
                new double[] {18, 22},
                10_000);
    }

    private static PumpBench.Figures pump(int producers, int pin, long lostPerRound) {
        PumpBench.Round r = new PumpBench.Round(
                100_000, 100_000 - lostPerRound, 0, 999_000_000L, (100_000 - lostPerRound) * 10_000L, 300_000_000L);
        return new PumpBench.Figures(producers, 100_000, 2, 64, pin, 28, side(r, r), side(r, r), side(r));
    }

    private static PumpBench.Side side(PumpBench.Round... rounds) {
        return new PumpBench.Side(List.of(rounds));
    }
}
