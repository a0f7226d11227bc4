package io.membrane.bench.agent;

import static io.membrane.bench.Stats.median;
import static io.membrane.bench.Stats.range;
import static io.membrane.bench.Stats.ratios;
import static io.membrane.datapath.TestRun.XDP_DROP;
import static io.membrane.datapath.TestRun.XDP_PASS;

import com.typesafe.config.ConfigFactory;
import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.actors.MapRegistry;
import io.membrane.actors.api.client.AdminApiException;
import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.model.PrefilterChange;
import io.membrane.actors.api.model.PrefilterChanged;
import io.membrane.bench.BenchFailure;
import io.membrane.bench.Frames;
import io.membrane.datapath.Clang;
import io.membrane.datapath.ConfigHeaders;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.ObjectCache;
import io.membrane.datapath.ObjectLoader;
import io.membrane.datapath.Program;
import io.membrane.datapath.TestRun;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.BpfMaps;
import io.membrane.maps.KeyValueMap;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.net.Ipv4Prefix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Part (a) of {@link AgentBench}: PATCH /v1/prefilter of 10,000 CIDRs to an in-process agent until enforced,
 * against the same CIDRs written straight through the maps layer, rounds interleaved, DELETE between rounds.
 */
final class PatchBench {
    static final int CIDRS = 10_000;
    static final long CIDR_SEED = 0x6167656e7442L;
    static final double TARGET_MS = 500;
    static final int WARMUP = 3;
    /** 192.0.2.1 (TEST-NET-1): no generated CIDR holds it, so the prefilter must pass it. */
    static final int OUTSIDE = 0xc0000201;

    static final int DESTINATION = 0x0a4d0002;

    private PatchBench() {}

    /**
     * Per measured round, in ms: PATCH until enforced and DELETE until gone through the API, put and delete
     * through the maps layer. {@code coldPatchMs} is the first PATCH the fresh agent served (a warm-up round).
     */
    record Figures(
            int cidrs,
            int hosts,
            int rounds,
            int warmup,
            double coldPatchMs,
            double[] patchMs,
            double[] directMs,
            double[] deleteMs,
            double[] directDeleteMs,
            int verifiedDropped) {
        double patch() {
            return median(patchMs);
        }

        double direct() {
            return median(directMs);
        }

        double delete() {
            return median(deleteMs);
        }

        double directDelete() {
            return median(directDeleteMs);
        }

        double ratio() {
            return median(ratios(patchMs, directMs));
        }

        double[] ratioRange() {
            return range(ratios(patchMs, directMs));
        }

        double maxPatch() {
            return range(patchMs)[1];
        }

        boolean met() {
            return patch() <= TARGET_MS;
        }
    }

    static Figures measure(AgentBench.Settings s, Path work, Path pinRoot) throws Exception {
        List<Ipv4Prefix> cidrs = cidrList(CIDRS, CIDR_SEED);
        int hosts = (int) cidrs.stream().filter(Ipv4Prefix::isHost).count();
        PrefilterChange body = denyRequest(cidrs);
        AgentConfig config = agentConfig(s.root(), work.resolve("run"), pinRoot);
        System.err.printf(Locale.ROOT, "agent bench: starting an agent (pins under %s)%n", pinRoot);
        try (AgentNode agent = AgentNode.start(config)) {
            MapRegistry.Handles h = agent.targets().maps();
            AdminClient client = AdminClient.connect(agent.apiBase(), Duration.ofSeconds(5), Duration.ofSeconds(60));
            Path headers = Files.createDirectories(work.resolve("agent-include"));
            ConfigHeaders.writeNode(headers, h.specs(), config.nodeHeader());
            ObjectLoader loader =
                    new ObjectLoader(new ObjectCache(work.resolve("cache"), new Clang()), config.bpfDir());
            try (ObjectLoader.Loaded xdp = loader.load(
                            "bpf_xdp.c", List.of(headers), h.prefilterMaps(), DatapathMaps.PREFILTER_LAYOUTS);
                    BpfHashMap<Ipv4Prefix, PrefilterFlag> fix =
                            BpfMaps.create(h.specs().spec(DatapathMaps.CIDR4_FIX));
                    LpmTrieMap<Ipv4Prefix, PrefilterFlag> dyn =
                            BpfMaps.create(h.specs().spec(DatapathMaps.CIDR4_DYN))) {
                Program prefilter = xdp.program("xdp_prefilter");
                if (!h.cidr4Fix().keys().isEmpty() || !h.cidr4Dyn().keys().isEmpty()) {
                    throw new BenchFailure("the bench agent's CIDR maps are not empty at start");
                }
                expect(prefilter, OUTSIDE, XDP_PASS, "192.0.2.1 before any PATCH");
                int total = WARMUP + s.rounds();
                double cold = 0;
                double[] patchMs = new double[s.rounds()];
                double[] directMs = new double[s.rounds()];
                double[] deleteMs = new double[s.rounds()];
                double[] directDeleteMs = new double[s.rounds()];
                for (int round = 0; round < total; round++) {
                    boolean apiFirst = round % 2 == 0; // the very first PATCH is the cold one
                    boolean verifyAll = round == WARMUP;
                    double[] api = null;
                    double[] direct = null;
                    for (int side = 0; side < 2; side++) {
                        if ((side == 0) == apiFirst) {
                            api = apiRound(client, body, cidrs, h, prefilter, verifyAll);
                        } else {
                            direct = directRound(cidrs, fix, dyn);
                        }
                    }
                    boolean warm = round < WARMUP;
                    System.err.printf(
                            Locale.ROOT,
                            "agent bench: patch %s %2d/%d  PATCH %6.1f ms (DELETE %6.1f)  "
                                    + "maps layer %5.1f ms (delete %5.1f)%n",
                            warm ? "warm-up" : "round  ",
                            warm ? round + 1 : round - WARMUP + 1,
                            warm ? WARMUP : s.rounds(),
                            api[0],
                            api[1],
                            direct[0],
                            direct[1]);
                    if (round == 0) {
                        cold = api[0];
                    }
                    if (!warm) {
                        int r = round - WARMUP;
                        patchMs[r] = api[0];
                        deleteMs[r] = api[1];
                        directMs[r] = direct[0];
                        directDeleteMs[r] = direct[1];
                    }
                }
                return new Figures(
                        cidrs.size(),
                        hosts,
                        s.rounds(),
                        WARMUP,
                        cold,
                        patchMs,
                        directMs,
                        deleteMs,
                        directDeleteMs,
                        cidrs.size());
            }
        }
    }

    /**
     * PATCH then DELETE through the API: {ms until enforced, ms until gone}. Enforced = the 200 is back and the
     * last CIDR of the list reads back from the agent's pinned map; afterwards the real prefilter must drop a
     * source in the first and the last CIDR (in every CIDR when {@code verifyAll}) and pass 192.0.2.1.
     */
    private static double[] apiRound(
            AdminClient client,
            PrefilterChange body,
            List<Ipv4Prefix> cidrs,
            MapRegistry.Handles h,
            Program prefilter,
            boolean verifyAll)
            throws Exception {
        Ipv4Prefix last = cidrs.get(cidrs.size() - 1);
        KeyValueMap<Ipv4Prefix, PrefilterFlag> lastMap = last.isHost() ? h.cidr4Fix() : h.cidr4Dyn();
        long start = System.nanoTime();
        PrefilterChanged r = send("PATCH", () -> client.addToPrefilter(body));
        boolean enforced = lastMap.lookup(last).isPresent();
        long patchNanos = System.nanoTime() - start;
        checkResponse("PATCH", r, cidrs.size());
        if (!enforced) {
            throw new BenchFailure("after the PATCH's 200 the last CIDR " + last + " is not in " + lastMap.name());
        }
        expect(prefilter, probe(last), XDP_DROP, "a source in " + last + " after the PATCH");
        expect(prefilter, probe(cidrs.get(0)), XDP_DROP, "a source in " + cidrs.get(0) + " after the PATCH");
        expect(prefilter, OUTSIDE, XDP_PASS, "192.0.2.1 after the PATCH");
        if (verifyAll) {
            for (Ipv4Prefix c : cidrs) {
                expect(prefilter, probe(c), XDP_DROP, "a source in " + c + " after the PATCH");
            }
        }

        start = System.nanoTime();
        r = send("DELETE", () -> client.removeFromPrefilter(body));
        boolean gone = lastMap.lookup(last).isEmpty();
        long deleteNanos = System.nanoTime() - start;
        checkResponse("DELETE", r, cidrs.size());
        if (!gone || !h.cidr4Fix().keys().isEmpty() || !h.cidr4Dyn().keys().isEmpty()) {
            throw new BenchFailure("after the DELETE's 200 the agent's CIDR maps are not empty");
        }
        expect(prefilter, probe(last), XDP_PASS, "a source in " + last + " after the DELETE");
        return new double[] {patchNanos / 1e6, deleteNanos / 1e6};
    }

    /** The same CIDRs straight through the maps layer (one put each, as the Prefilter actor), then deleted. */
    private static double[] directRound(
            List<Ipv4Prefix> cidrs,
            BpfHashMap<Ipv4Prefix, PrefilterFlag> fix,
            LpmTrieMap<Ipv4Prefix, PrefilterFlag> dyn) {
        Ipv4Prefix last = cidrs.get(cidrs.size() - 1);
        long start = System.nanoTime();
        for (Ipv4Prefix c : cidrs) {
            (c.isHost() ? fix : dyn).put(c, PrefilterFlag.DENY);
        }
        boolean enforced = (last.isHost() ? fix : dyn).lookup(last).isPresent();
        long putNanos = System.nanoTime() - start;
        if (!enforced) {
            throw new BenchFailure("the maps-layer baseline did not write " + last);
        }
        start = System.nanoTime();
        for (Ipv4Prefix c : cidrs) {
            (c.isHost() ? fix : dyn).delete(c);
        }
        long deleteNanos = System.nanoTime() - start;
        if (!fix.keys().isEmpty() || !dyn.keys().isEmpty()) {
            throw new BenchFailure("the maps-layer baseline did not delete every CIDR");
        }
        return new double[] {putNanos / 1e6, deleteNanos / 1e6};
    }

    private static PrefilterChanged send(String what, java.util.function.Supplier<PrefilterChanged> call) {
        try {
            return call.get();
        } catch (AdminApiException e) {
            throw new BenchFailure(what + " /v1/prefilter answered " + e.status() + " "
                    + e.error().oneLine());
        }
    }

    private static void checkResponse(String what, PrefilterChanged r, int expected) {
        if (r.changed() != expected) {
            throw new BenchFailure(what + " /v1/prefilter changed " + r.changed() + " entries, expected " + expected);
        }
    }

    private static void expect(Program prefilter, int source, int code, String what) {
        int got = TestRun.run(prefilter, Frames.tcp(source, DESTINATION, 40112, 8080, Frames.TH_SYN), 1)
                .returnCode();
        if (got != code) {
            throw new BenchFailure("the prefilter returned " + got + " for " + what + ", expected " + code);
        }
    }

    /** An address inside {@code p}. */
    static int probe(Ipv4Prefix p) {
        return p.isHost() ? p.address() : p.address() | 1;
    }

    /**
     * {@code size} distinct IPv4 CIDRs, the same for the same seed, shaped like a block list: 60% /32 hosts, 30%
     * /24 networks, the rest /16../31 (not /24); none holds 192.0.2.1 or lies in 10/8. Shuffled, so the last one
     * (the one timed) is of any kind.
     */
    static List<Ipv4Prefix> cidrList(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Ipv4Prefix outside = new Ipv4Prefix(OUTSIDE, 32);
        Set<Ipv4Prefix> distinct = new LinkedHashSet<>();
        int hosts = size * 6 / 10;
        int nets = size * 3 / 10;
        while (distinct.size() < size) {
            int n = distinct.size();
            int len = n < hosts ? 32 : n < hosts + nets ? 24 : otherLength(random);
            Ipv4Prefix p = new Ipv4Prefix(random.nextInt(), len);
            if (!p.contains(outside) && (p.address() >>> 24) != 10) {
                distinct.add(p);
            }
        }
        List<Ipv4Prefix> out = new ArrayList<>(distinct);
        Collections.shuffle(out, new Random(seed));
        return out;
    }

    /** 16..31 without 24. */
    private static int otherLength(SplittableRandom random) {
        int len = 16 + random.nextInt(15); // 16..30
        return len == 24 ? 31 : len;
    }

    /** The PATCH and DELETE body of the bench: every CIDR, node scope. */
    static PrefilterChange denyRequest(List<Ipv4Prefix> cidrs) {
        return PrefilterChange.of(cidrs.stream().map(Ipv4Prefix::toString).toList());
    }

    /** The agent of part (a): its own pin root and run dir, no devices, CIDR maps with room for 2 × 10,000. */
    static AgentConfig agentConfig(Path root, Path runDir, Path pinRoot) {
        String text = "membrane {\n"
                + " pin-root = \"" + pinRoot + "\"\n"
                + " run-dir = \"" + runDir + "\"\n"
                + " bpf-dir = \"" + root.resolve("bpf") + "\"\n"
                + " api.port = 0\n"
                + " devices = []\n"
                + " maps { cidr-fix = 32768, cidr-dyn = 32768, ipcache = 1024, lxc = 256, ct4 = 1024, ct6 = 1024,"
                + " policy = 256 }\n"
                + "}\n";
        return AgentConfig.from(ConfigFactory.parseString(text)
                .withFallback(ConfigFactory.defaultReference())
                .resolve());
    }
}
