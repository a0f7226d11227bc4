package io.membrane.bench.datapath;

import static io.membrane.datapath.TestRun.TC_ACT_OK;
import static io.membrane.datapath.TestRun.TC_ACT_SHOT;
import static io.membrane.datapath.TestRun.XDP_DROP;
import static io.membrane.datapath.TestRun.XDP_PASS;

import io.membrane.bench.BenchArgs;
import io.membrane.bench.BenchFailure;
import io.membrane.bench.BenchJson;
import io.membrane.bench.BenchmarksFile;
import io.membrane.bench.Frames;
import io.membrane.bench.Machine;
import io.membrane.bench.Scratch;
import io.membrane.bench.Stats;
import io.membrane.datapath.Clang;
import io.membrane.datapath.ConfigHeaders;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.ObjectCache;
import io.membrane.datapath.ObjectLoader;
import io.membrane.datapath.OpenMaps;
import io.membrane.datapath.Program;
import io.membrane.datapath.TestRun;
import io.membrane.datapath.structs.Ct4Key;
import io.membrane.datapath.structs.CtEntry;
import io.membrane.datapath.structs.Direction;
import io.membrane.datapath.structs.EndpointConfig;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.datapath.structs.PolicyEntry;
import io.membrane.datapath.structs.PolicyKey;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.BpfMap;
import io.membrane.maps.BpfMaps;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.LruHashMap;
import io.membrane.maps.MapSpec;
import io.membrane.maps.UpdateFlag;
import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * {@code bin/membrane bench datapath}: measures the datapath programs in the kernel with BPF_PROG_TEST_RUN (no
 * device, no namespace), each beside a floor measured in the same run — the XDP prefilter ({@code bpf/bpf_xdp.c})
 * with 0, 1,000 and 100,000 IPv4 CIDRs of lengths /8../32 on a hit and on a miss, against a minimal XDP program
 * and against a bare program doing one LPM-trie lookup over the same CIDRs; the endpoint program
 * ({@code bpf/bpf_lxc.c}, to_container) on an established flow and on new flows, against a bare tc program doing
 * one conntrack-sized hash lookup in the same CT map; and the compile time of bpf_xdp.c, cold (clang runs) and
 * cached. The floors are in {@code bpf/bench/}. Cases run interleaved, round after round, and figures are medians
 * over rounds; the ratios are medians of each round's ratio. Every map is created unpinned and every object is
 * closed before the command ends, so nothing is left in the kernel or on bpffs. It writes the {@code ## datapath}
 * section of BENCHMARKS.md and prints one JSON object as its last line. Usage:
 * {@code DatapathBench [project-root] [--no-write]} ({@link BenchArgs}).
 */
public final class DatapathBench {
    static final int[] CIDR_COUNTS = {0, 1_000, 100_000};
    static final int CIDR_CAPACITY = 131_072;
    static final DatapathMaps.Sizes SIZES =
            new DatapathMaps.Sizes(CIDR_CAPACITY, CIDR_CAPACITY, 512_000, 1_024, 262_144, 1_024, 16_384);
    static final int ROUNDS = 11;
    static final long RUN_NANOS = 80_000_000L;
    static final int COLD_COMPILES = 3;
    static final int CACHED_COMPILES_PER_COLD = 5;
    static final double PREFILTER_TARGET = 1.25;
    static final double LXC_TARGET = 1.5;
    static final double CACHED_COMPILE_TARGET_MS = 20;

    static final int NODE_IP = 0x0ac80001; // 10.200.0.1
    static final int ENDPOINT_IP = 0x0ac80007; // 10.200.0.7
    static final int PEER_ALLOWED = 0x0ac9000b; // 10.201.0.11
    static final int PEER_DENIED = 0x0ac9000c; // 10.201.0.12
    static final int ENDPOINT_ID = 7;
    static final int ENDPOINT_IDENTITY = 2_007;
    static final int ALLOWED_IDENTITY = 1_001;
    static final int DENIED_IDENTITY = 1_002;
    static final int SERVICE_PORT = 8_080;
    static final int IPCACHE_FILLER = 1_000;
    static final int POLICY_FILLER = 63;
    static final int CT_FILLER = 10_000;

    static final String BENCH_LPM_MAP = "mbr_bench_lpm4";

    private DatapathBench() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        BenchArgs.runMain(
                args,
                "datapath bench",
                "usage: bin/membrane bench datapath [--no-write]\n"
                        + "  measures the BPF programs against bare floors (BPF_PROG_TEST_RUN);",
                DatapathBench::run);
    }

    static void run(BenchArgs args) throws IOException {
        Path root = args.root();
        Path bpf = root.resolve("bpf");
        if (!Files.isRegularFile(bpf.resolve("bpf_xdp.c")) || !Files.isDirectory(bpf.resolve("bench"))) {
            throw new BenchFailure("no bpf/bpf_xdp.c and bpf/bench/ under " + root + ": pass the project root");
        }
        Path work = Scratch.create("datapath");
        try {
            Bench bench = new Bench(bpf, work);
            Compile compile = bench.compileTimes();
            List<Prefilter> prefilter = new ArrayList<>();
            for (int n : CIDR_COUNTS) {
                prefilter.add(bench.prefilter(n));
            }
            Endpoint endpoint = bench.endpoint();
            Report report = new Report(Environment.current(bench.clang), compile, prefilter, endpoint);
            Path md = root.resolve("BENCHMARKS.md");
            if (args.write()) {
                BenchmarksFile.writeSection(md, "datapath", report.markdown());
                System.out.println("wrote section ## datapath of " + md);
            }
            System.out.println(report.json());
        } finally {
            Scratch.remove(work);
        }
    }

    /** Compile times of bpf_xdp.c, ms: the median cold one (fresh cache, clang runs) and the median cache hit. */
    record Compile(double coldMs, double cachedMs, int coldRuns, int cachedRuns) {}

    /** The prefilter figures at one deny-list size. */
    record Prefilter(int cidrs, int hosts, int ranges, long lengths, Rounds rounds) {
        boolean hasHits() {
            return cidrs > 0;
        }
    }

    /** The endpoint program figures. */
    record Endpoint(Rounds rounds) {}

    /** The set-up shared by every part: clang, the object cache, the generated headers. */
    private static final class Bench {
        final Path bpf;
        final Path work;
        final Clang clang = new Clang();
        final ObjectLoader loader;
        final DatapathMaps maps = new DatapathMaps(SIZES);
        final Path nodeHeaders;
        final Path benchHeaders;
        final MapSpec<LpmTrieMap<Ipv4Prefix, PrefilterFlag>> benchLpm =
                MapSpec.lpmTrie(BENCH_LPM_MAP, Ipv4Prefix.LAYOUT, PrefilterFlag.LAYOUT, CIDR_CAPACITY);

        Bench(Path bpf, Path work) {
            this.bpf = bpf;
            this.work = work;
            clang.version(); // the agent asks once per process; keep it out of the compile figures
            loader = new ObjectLoader(new ObjectCache(work.resolve("cache"), clang), bpf);
            nodeHeaders = work.resolve("node");
            ConfigHeaders.writeNode(
                    nodeHeaders,
                    maps,
                    new ConfigHeaders.Node(
                            Optional.of(NODE_IP),
                            true,
                            true,
                            ConfigHeaders.Node.DEFAULT.prefilterNotifyBudget(),
                            ConfigHeaders.Node.DEFAULT.conntrackAccounting()));
            benchHeaders = work.resolve("bench");
            ConfigHeaders.write(
                    benchHeaders,
                    "bench_config.h",
                    "/* Written by DatapathBench. */\n"
                            + "#define BENCH_LPM4_MAP " + benchLpm.name() + "\n"
                            + "#define BENCH_LPM4_MAP_SIZE " + benchLpm.maxEntries() + "\n"
                            + "#define BENCH_CT4_MAP "
                            + maps.spec(DatapathMaps.CT4).kernelName() + "\n"
                            + "#define BENCH_CT4_MAP_SIZE "
                            + maps.spec(DatapathMaps.CT4).maxEntries() + "\n");
        }

        /** A bench-only program of bpf/bench/, its maps bound to {@code shared}. */
        ObjectLoader.Loaded loadBench(Fixture f, String file, List<BpfMap<?, ?>> shared, List<Layout<?>> layouts) {
            return f.add(loader.load("bench/" + file, List.of(benchHeaders, bpf.resolve("lib")), shared, layouts));
        }

        Compile compileTimes() {
            List<Double> cold = new ArrayList<>();
            List<Double> cached = new ArrayList<>();
            Path source = bpf.resolve("bpf_xdp.c");
            for (int i = 0; i < COLD_COMPILES; i++) {
                ObjectCache cache = new ObjectCache(work.resolve("compile-" + i), clang);
                ObjectCache.Compiled first = cache.compile(source, List.of(nodeHeaders));
                if (first.cacheHit()) {
                    throw new BenchFailure("a compile into an empty cache was a hit");
                }
                cold.add(first.nanos() / 1e6);
                for (int j = 0; j < CACHED_COMPILES_PER_COLD; j++) {
                    ObjectCache.Compiled again = cache.compile(source, List.of(nodeHeaders));
                    if (!again.cacheHit()) {
                        throw new BenchFailure("the same compile again was not a cache hit");
                    }
                    cached.add(again.nanos() / 1e6);
                }
            }
            System.err.printf(
                    Locale.ROOT,
                    "datapath bench: compile bpf_xdp.c cold %s ms, cached %s ms%n",
                    format(cold),
                    format(cached));
            return new Compile(Stats.median(cold), Stats.median(cached), cold.size(), cached.size());
        }

        Prefilter prefilter(int n) {
            DenyList list = DenyList.generate(n, DenyList.SEED);
            try (Fixture f = new Fixture()) {
                OpenMaps shared = f.add(OpenMaps.create(maps, DatapathMaps.Source.BPF_XDP));
                BpfHashMap<Ipv4Prefix, PrefilterFlag> fix = shared.get(DatapathMaps.CIDR4_FIX);
                LpmTrieMap<Ipv4Prefix, PrefilterFlag> dyn = shared.get(DatapathMaps.CIDR4_DYN);
                List<BpfMap<?, ?>> agentMaps = shared.all();
                LpmTrieMap<Ipv4Prefix, PrefilterFlag> bare = f.add(BpfMaps.create(benchLpm));

                long start = System.nanoTime();
                fill(fix, list.hosts());
                fill(dyn, list.ranges());
                fill(bare, list.all());
                System.err.printf(
                        Locale.ROOT,
                        "datapath bench: %,d CIDRs (%,d /32 in the hash, %,d in the trie) " + "loaded in %d ms%n",
                        n,
                        list.hosts().size(),
                        list.ranges().size(),
                        (System.nanoTime() - start) / 1_000_000);

                var prefilter = f.add(loader.load(
                                "bpf_xdp.c", List.of(nodeHeaders), agentMaps, DatapathMaps.PREFILTER_LAYOUTS))
                        .program("xdp_prefilter");
                var minimal = loadBench(f, "bench_xdp_minimal.c", List.of(), List.of())
                        .program("bench_xdp_minimal");
                var lpm = loadBench(
                                f, "bench_xdp_lpm.c", List.of(bare), List.of(Ipv4Prefix.LAYOUT, PrefilterFlag.LAYOUT))
                        .program("bench_xdp_lpm");

                byte[] miss = Frames.tcp(list.deepMiss(), NODE_IP, 40_000, 443, Frames.TH_ACK);
                List<Rounds.Case> cases = new ArrayList<>(List.of(
                        new Rounds.Case("minimal", minimal, miss, XDP_PASS),
                        new Rounds.Case("prefilter_miss", prefilter, miss, XDP_PASS),
                        new Rounds.Case("bare_lpm_miss", lpm, miss, XDP_PASS)));
                if (n > 0) {
                    byte[] hit = Frames.tcp(list.hitInRange(), NODE_IP, 40_000, 443, Frames.TH_ACK);
                    byte[] hitHost = Frames.tcp(list.hosts().get(0).address(), NODE_IP, 40_000, 443, Frames.TH_ACK);
                    cases.addAll(List.of(
                            new Rounds.Case("prefilter_hit", prefilter, hit, XDP_DROP),
                            new Rounds.Case("bare_lpm_hit", lpm, hit, XDP_DROP),
                            new Rounds.Case("prefilter_hit32", prefilter, hitHost, XDP_DROP),
                            new Rounds.Case("bare_lpm_hit32", lpm, hitHost, XDP_DROP)));
                }
                Rounds rounds =
                        Rounds.measure(String.format(Locale.ROOT, "prefilter %,d CIDRs", n), cases, ROUNDS, RUN_NANOS);
                return new Prefilter(n, list.hosts().size(), list.ranges().size(), list.distinctLengths(), rounds);
            }
        }

        Endpoint endpoint() {
            try (Fixture f = new Fixture()) {
                OpenMaps shared = f.add(OpenMaps.create(maps, DatapathMaps.Source.BPF_LXC));
                LpmTrieMap<IpcacheKey, IpcacheValue> ipcache = shared.get(DatapathMaps.IPCACHE);
                LruHashMap<Ct4Key, CtEntry> ct4 = shared.get(DatapathMaps.CT4);
                BpfHashMap<PolicyKey, PolicyEntry> policy = f.add(BpfMaps.create(maps.policy(ENDPOINT_ID)));
                fillEndpointMaps(ipcache, policy, ct4);

                // The endpoints' template, and a variant: a TCP entry without a reply expires at once, so every
                // SYN is a new flow. Each is loaded with the endpoint's constants and its policy map bound by fd.
                String template = ConfigHeaders.endpointTemplate(maps);
                Path epHeaders = work.resolve("ep");
                ConfigHeaders.write(epHeaders, ConfigHeaders.ENDPOINT, template);
                Path newFlowHeaders = work.resolve("ep-new-flow");
                int endif = template.lastIndexOf("#endif");
                ConfigHeaders.write(
                        newFlowHeaders,
                        ConfigHeaders.ENDPOINT,
                        template.substring(0, endif)
                                + "/* bench only: a SYN's CT entry expires at once, so every run is a new flow */\n"
                                + "#define CT_SYN_TIMEOUT 0\n\n" + template.substring(endif));
                Map<String, BpfMap<?, ?>> policyBinding = Map.of(DatapathMaps.POLICY_TEMPLATE, policy);
                Map<String, byte[]> constants = Map.of(
                        EndpointConfig.VARIABLE,
                        new EndpointConfig(ENDPOINT_ID, 0, ENDPOINT_IDENTITY, ENDPOINT_IP, Optional.empty()).toBytes());
                java.util.function.Function<Path, Program> toContainer = headers -> f.add(loader.load(
                                "bpf_lxc.c",
                                List.of(headers, nodeHeaders),
                                shared.all(),
                                DatapathMaps.ENDPOINT_LAYOUTS,
                                policyBinding,
                                constants))
                        .program("to_container");
                var lxc = toContainer.apply(epHeaders);
                var lxcNewFlow = toContainer.apply(newFlowHeaders);
                var bare = loadBench(f, "bench_tc_lookup.c", List.of(ct4), List.of(Ct4Key.LAYOUT, CtEntry.LAYOUT))
                        .program("bench_tc_lookup");

                // The established flow: its SYN, allowed by policy, creates the CT entry; then its ACKs are measured.
                byte[] syn = Frames.tcp(PEER_ALLOWED, ENDPOINT_IP, 40_000, SERVICE_PORT, Frames.TH_SYN);
                byte[] ack = Frames.tcp(PEER_ALLOWED, ENDPOINT_IP, 40_000, SERVICE_PORT, Frames.TH_ACK);
                Ct4Key flow =
                        new Ct4Key(PEER_ALLOWED, ENDPOINT_IP, 40_000, SERVICE_PORT, Frames.TCP, Direction.INGRESS);
                if (TestRun.run(lxc, syn, 1).returnCode() != TC_ACT_OK
                        || ct4.lookup(flow).isEmpty()) {
                    throw new BenchFailure("the allowed SYN did not create a CT entry");
                }
                byte[] newAllowed = Frames.tcp(PEER_ALLOWED, ENDPOINT_IP, 40_001, SERVICE_PORT, Frames.TH_SYN);
                byte[] newDenied = Frames.tcp(PEER_DENIED, ENDPOINT_IP, 40_002, SERVICE_PORT, Frames.TH_SYN);
                Rounds rounds = Rounds.measure(
                        "endpoint",
                        List.of(
                                new Rounds.Case("lxc_established", lxc, ack, TC_ACT_OK),
                                new Rounds.Case("bare_ct_lookup", bare, ack, TC_ACT_OK),
                                new Rounds.Case("lxc_new_allowed", lxcNewFlow, newAllowed, TC_ACT_OK),
                                new Rounds.Case("lxc_new_denied", lxc, newDenied, TC_ACT_SHOT)),
                        ROUNDS,
                        RUN_NANOS);

                // Proof of the paths. Per-flow CT accounting is off by default (as in Cilium), so the established
                // path is proven by the policy entry's counter, which counts every packet policy decided: a
                // thousand more ACKs of the established flow must leave it alone. The new-flow entry was
                // re-created on every run (packets starts again at 1); the denied flow never got one.
                PolicyKey allowKey = new PolicyKey(ALLOWED_IDENTITY, SERVICE_PORT, PolicyKey.TCP, Direction.INGRESS);
                long decidedBefore =
                        policy.lookup(allowKey).map(PolicyEntry::packets).orElse(0L);
                boolean ackPassed = TestRun.run(lxc, ack, 1_000).returnCode() == TC_ACT_OK;
                long decidedAfter =
                        policy.lookup(allowKey).map(PolicyEntry::packets).orElse(0L);
                boolean established = ackPassed && ct4.lookup(flow).isPresent() && decidedAfter == decidedBefore;
                long recreated = ct4.lookup(new Ct4Key(
                                PEER_ALLOWED, ENDPOINT_IP, 40_001, SERVICE_PORT, Frames.TCP, Direction.INGRESS))
                        .map(CtEntry::packets)
                        .orElse(0L);
                boolean denied = ct4.lookup(new Ct4Key(
                                PEER_DENIED, ENDPOINT_IP, 40_002, SERVICE_PORT, Frames.TCP, Direction.INGRESS))
                        .isPresent();
                if (!established || recreated != 1 || denied) {
                    throw new BenchFailure("CT and policy counters say the cases took other paths: established ACKs "
                            + "bypassed policy " + established + " (policy decided " + decidedBefore + " then "
                            + decidedAfter + "), new flow " + recreated + " (want 1), denied flow has an entry: "
                            + denied);
                }
                return new Endpoint(rounds);
            }
        }

        /**
         * The allowed and the denied peer plus {@value #IPCACHE_FILLER} other addresses in the ipcache; the allow
         * entry plus {@value #POLICY_FILLER} others in the policy; {@value #CT_FILLER} unrelated flows in CT.
         */
        private static void fillEndpointMaps(
                LpmTrieMap<IpcacheKey, IpcacheValue> ipcache,
                BpfHashMap<PolicyKey, PolicyEntry> policy,
                LruHashMap<Ct4Key, CtEntry> ct4) {
            SplittableRandom random = new SplittableRandom(DenyList.SEED);
            List<IpcacheKey> keys = new ArrayList<>();
            List<IpcacheValue> values = new ArrayList<>();
            keys.add(IpcacheKey.of(new Ipv4Prefix(PEER_ALLOWED, 32)));
            values.add(new IpcacheValue(ALLOWED_IDENTITY, 0));
            keys.add(IpcacheKey.of(new Ipv4Prefix(PEER_DENIED, 32)));
            values.add(new IpcacheValue(DENIED_IDENTITY, 0));
            for (int i = 0; i < IPCACHE_FILLER; i++) {
                keys.add(IpcacheKey.of(new Ipv4Prefix(0x0a000000 | random.nextInt(1 << 24), 32)));
                values.add(new IpcacheValue(3_000 + i, 0));
            }
            ipcache.updateBatch(keys, values, UpdateFlag.ANY);

            policy.put(
                    new PolicyKey(ALLOWED_IDENTITY, SERVICE_PORT, PolicyKey.TCP, Direction.INGRESS), PolicyEntry.ALLOW);
            for (int i = 0; i < POLICY_FILLER; i++) {
                policy.put(new PolicyKey(3_000 + i, 1_000 + i, PolicyKey.TCP, Direction.INGRESS), PolicyEntry.ALLOW);
            }

            List<Ct4Key> flows = new ArrayList<>();
            for (int i = 0; i < CT_FILLER; i++) {
                flows.add(new Ct4Key(
                        0x0a000000 | random.nextInt(1 << 24),
                        ENDPOINT_IP,
                        1_024 + random.nextInt(60_000),
                        SERVICE_PORT,
                        Frames.TCP,
                        Direction.INGRESS));
            }
            ct4.updateBatch(flows, Collections.nCopies(flows.size(), new CtEntry(0, 1, 60, 0, 0, 0)), UpdateFlag.ANY);
        }
    }

    private static void fill(io.membrane.maps.KeyValueMap<Ipv4Prefix, PrefilterFlag> map, List<Ipv4Prefix> cidrs) {
        map.updateBatch(cidrs, Collections.nCopies(cidrs.size(), PrefilterFlag.DENY), UpdateFlag.ANY);
    }

    /** Maps and objects of one part of the bench, closed together (objects first). */
    private static final class Fixture implements AutoCloseable {
        final List<BpfMap<?, ?>> maps = new ArrayList<>();
        final List<ObjectLoader.Loaded> objects = new ArrayList<>();
        final List<OpenMaps> sets = new ArrayList<>();

        OpenMaps add(OpenMaps set) {
            sets.add(set);
            return set;
        }

        <M extends BpfMap<?, ?>> M add(M map) {
            maps.add(map);
            return map;
        }

        ObjectLoader.Loaded add(ObjectLoader.Loaded object) {
            objects.add(object);
            return object;
        }

        @Override
        public void close() {
            objects.forEach(ObjectLoader.Loaded::close);
            maps.forEach(BpfMap::close);
            sets.forEach(OpenMaps::close);
        }
    }

    /** The figures as BENCHMARKS.md text and as one JSON line. */
    /** Where the figures were measured: the machine and the clang that compiled the programs. */
    record Environment(Machine machine, String clang) {
        static Environment current(Clang clang) throws IOException {
            return new Environment(Machine.current(), clang.version());
        }
    }

    record Report(Environment env, Compile compile, List<Prefilter> prefilter, Endpoint endpoint) {
        Prefilter at(int cidrs) {
            return prefilter.stream()
                    .filter(p -> p.cidrs() == cidrs)
                    .findFirst()
                    .orElseThrow();
        }

        Prefilter largest() {
            return prefilter.get(prefilter.size() - 1);
        }

        /** The headline prefilter ratio: the worse of hit (/24 in the trie) and miss at the largest size. */
        double prefilterRatioVsBareLpm() {
            Rounds r = largest().rounds();
            return Math.max(r.ratio("prefilter_miss", "bare_lpm_miss"), r.ratio("prefilter_hit", "bare_lpm_hit"));
        }

        double prefilterRatioVsMinimal() {
            Rounds r = largest().rounds();
            return Math.max(r.ratio("prefilter_miss", "minimal"), r.ratio("prefilter_hit", "minimal"));
        }

        double lxcEstablishedRatio() {
            return endpoint.rounds().ratio("lxc_established", "bare_ct_lookup");
        }

        boolean prefilterMet() {
            return prefilterRatioVsBareLpm() <= PREFILTER_TARGET;
        }

        boolean lxcMet() {
            return lxcEstablishedRatio() <= LXC_TARGET;
        }

        boolean compileMet() {
            return compile.cachedMs() <= CACHED_COMPILE_TARGET_MS;
        }

        String markdown() {
            StringBuilder md = new StringBuilder();
            md.append(String.format(
                    Locale.ROOT,
                    "%s. Regenerate: `bin/membrane bench datapath` (main class "
                            + "`io.membrane.bench.datapath.DatapathBench`, floors in `bpf/bench/`).%n%n",
                    env.machine().measured(env.clang())));
            md.append(String.format(
                    Locale.ROOT,
                    "Method: BPF_PROG_TEST_RUN with repeat, no device; ns per packet "
                            + "is the kernel's mean per run (whole ns), the test-run loop's own cost included on both sides. "
                            + "%d rounds; in each round every case of a table runs once (repeat chosen so a run takes about "
                            + "%d ms; order reversed every other round), and every run must return the verdict of the "
                            + "path it claims to measure. Figures are medians over rounds; a ratio is the median of the "
                            + "rounds' ratios (candidate and floor measured back to back), with their range in parentheses. Maps are unpinned and sized as "
                            + "the agent would size them (CIDR maps %,d, CT %,d LRU).%n%n",
                    ROUNDS,
                    RUN_NANOS / 1_000_000,
                    CIDR_CAPACITY,
                    SIZES.ct4()));

            md.append("### XDP prefilter (`bpf_xdp.c`, `xdp_prefilter`)\n\n");
            Prefilter big = largest();
            md.append(String.format(
                    Locale.ROOT,
                    "Deny lists: deterministic (seed 0x%x), distinct IPv4 CIDRs of "
                            + "every length /8../32, mostly /32 and /24 (at %,d: %,d /32 in the exact-address hash, "
                            + "%,d shorter ones in the LPM trie, %d distinct lengths). The bare LPM program holds the "
                            + "same CIDRs, /32s included, in one trie. *hit* = a source whose longest match is a /24 "
                            + "(the hash misses, the trie finds it; the prefilter then counts the drop); *hit /32* = "
                            + "a loaded host address; *miss* = a source outside every CIDR whose first 23 bits "
                            + "match a loaded /24 (a deep trie walk). Frames: Ethernet + IPv4 + TCP, 60 bytes.%n%n",
                    DenyList.SEED,
                    big.cidrs(),
                    big.hosts(),
                    big.ranges(),
                    big.lengths()));
            md.append("| CIDRs | packet | prefilter | bare LPM lookup | minimal XDP | ratio vs bare LPM | "
                    + "ratio vs minimal | target | met |\n");
            md.append("|---|---|---|---|---|---|---|---|---|\n");
            for (Prefilter p : prefilter) {
                Rounds r = p.rounds();
                boolean targeted = p == big;
                md.append(prefilterRow(p, r, "miss", "prefilter_miss", "bare_lpm_miss", targeted));
                if (p.hasHits()) {
                    md.append(prefilterRow(p, r, "hit (/24, trie)", "prefilter_hit", "bare_lpm_hit", targeted));
                    md.append(prefilterRow(p, r, "hit /32 (hash)", "prefilter_hit32", "bare_lpm_hit32", false));
                }
            }

            md.append("\n### Endpoint program (`bpf_lxc.c`, `to_container`)\n\n");
            md.append(String.format(
                    Locale.ROOT,
                    "Floor: `bench_tc_lookup`, one lookup of the packet's tuple in the "
                            + "same CT4 map (LRU hash, `ct4_key` → `ct_entry`), which holds the flow and %,d others. "
                            + "The ipcache holds %,d addresses, the policy map %d entries. *established* = an ACK of "
                            + "a TCP flow whose SYN (allowed by policy) created the CT entry: parse, CT hit and update, "
                            + "count. *new flow, allowed* = a SYN on that port from the allowed peer, with the program "
                            + "compiled with `CT_SYN_TIMEOUT 0` (bench only) so the entry it creates has expired by "
                            + "the next run: CT lookups (the forward one finds the expired entry), ipcache, 6 policy "
                            + "lookups, CT create (overwrites), policy-verdict notification, count. *new flow, denied* "
                            + "= a SYN from a peer no entry allows: CT misses, ipcache, 6 policy lookups, drop "
                            + "notification, count; no entry is created, so every run is new. Notifications go to a "
                            + "perf event array with no reader, so their delivery to the agent is not in the figures. "
                            + "CT entries are checked afterwards to prove each case took its path.%n%n",
                    CT_FILLER,
                    IPCACHE_FILLER + 2,
                    POLICY_FILLER + 1));
            Rounds e = endpoint.rounds();
            md.append("| case | bpf_lxc | bare CT lookup | ratio | target | met |\n");
            md.append("|---|---|---|---|---|---|\n");
            md.append(lxcRow(e, "established flow", "lxc_established", true));
            md.append(lxcRow(e, "new flow, allowed", "lxc_new_allowed", false));
            md.append(lxcRow(e, "new flow, denied", "lxc_new_denied", false));

            md.append("\n### Compile (`bpf_xdp.c`)\n\n");
            md.append(String.format(
                    Locale.ROOT,
                    "Cold: through `ObjectCache` into an empty cache directory, clang "
                            + "runs (median of %d). Cached: the same request again, a hit: hashing the source and every "
                            + "header (median of %d). `clang --version` is asked once per process before either.%n%n",
                    compile.coldRuns(),
                    compile.cachedRuns()));
            md.append("| figure | ms | target | met |\n|---|---|---|---|\n");
            md.append(String.format(Locale.ROOT, "| cold (clang runs) | %.0f | — | — |%n", compile.coldMs()));
            md.append(String.format(
                    Locale.ROOT,
                    "| cached | %.2f | ≤ %.0f | %s |%n",
                    compile.cachedMs(),
                    CACHED_COMPILE_TARGET_MS,
                    BenchmarksFile.yesNo(compileMet())));
            md.append(String.format(
                    Locale.ROOT,
                    "%nThe headline prefilter ratio is the worse of hit (/24) and miss "
                            + "at %,d CIDRs. JSON of this run:%n%n",
                    big.cidrs()));
            md.append(json()).append('\n');
            return md.toString();
        }

        private static String prefilterRow(
                Prefilter p, Rounds r, String packet, String candidate, String floor, boolean targeted) {
            double vsBare = r.ratio(candidate, floor);
            return String.format(
                    Locale.ROOT,
                    "| %,d | %s | %.0f ns | %.0f ns | %.0f ns | %s | %.1f× | %s | %s |%n",
                    p.cidrs(),
                    packet,
                    r.ns(candidate),
                    r.ns(floor),
                    r.ns("minimal"),
                    withRange(r, candidate, floor),
                    r.ratio(candidate, "minimal"),
                    targeted ? String.format(Locale.ROOT, "≤ %.2f", PREFILTER_TARGET) : "—",
                    targeted ? BenchmarksFile.yesNo(vsBare <= PREFILTER_TARGET) : "—");
        }

        private static String lxcRow(Rounds r, String label, String candidate, boolean targeted) {
            double ratio = r.ratio(candidate, "bare_ct_lookup");
            return String.format(
                    Locale.ROOT,
                    "| %s | %.0f ns | %.0f ns | %s | %s | %s |%n",
                    label,
                    r.ns(candidate),
                    r.ns("bare_ct_lookup"),
                    withRange(r, candidate, "bare_ct_lookup"),
                    targeted ? String.format(Locale.ROOT, "≤ %.2f", LXC_TARGET) : "—",
                    targeted ? BenchmarksFile.yesNo(ratio <= LXC_TARGET) : "—");
        }

        /** "1.15 (1.10–1.31)": the median ratio and, in parentheses, the range of the rounds' ratios. */
        private static String withRange(Rounds r, String candidate, String floor) {
            double[] range = r.ratioRange(candidate, floor);
            return String.format(Locale.ROOT, "%.2f (%.2f–%.2f)", r.ratio(candidate, floor), range[0], range[1]);
        }

        String json() {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("bench", "datapath");
            o.put("prefilter_100k_ratio_vs_bare_lpm", Stats.round(prefilterRatioVsBareLpm(), 3));
            o.put("prefilter_100k_ratio_vs_minimal", Stats.round(prefilterRatioVsMinimal(), 2));
            o.put("lxc_established_ratio_vs_bare_lookup", Stats.round(lxcEstablishedRatio(), 3));
            o.put("compile_cold_ms", Stats.round(compile.coldMs(), 1));
            o.put("compile_cached_ms", Stats.round(compile.cachedMs(), 2));
            o.put("prefilter_target_met", prefilterMet());
            o.put("lxc_established_target_met", lxcMet());
            o.put("compile_cached_target_met", compileMet());
            for (Prefilter p : prefilter) {
                String k = p.cidrs() == 0 ? "0" : p.cidrs() >= 1_000 ? p.cidrs() / 1_000 + "k" : "" + p.cidrs();
                Rounds r = p.rounds();
                o.put("minimal_xdp_ns_" + k, r.ns("minimal"));
                for (String c : p.hasHits() ? List.of("miss", "hit", "hit32") : List.of("miss")) {
                    o.put("prefilter_" + k + "_" + c + "_ns", r.ns("prefilter_" + c));
                    o.put("bare_lpm_" + k + "_" + c + "_ns", r.ns("bare_lpm_" + c));
                    o.put(
                            "prefilter_" + k + "_" + c + "_ratio_vs_bare_lpm",
                            Stats.round(r.ratio("prefilter_" + c, "bare_lpm_" + c), 3));
                }
            }
            Rounds e = endpoint.rounds();
            for (String c : List.of("lxc_established", "lxc_new_allowed", "lxc_new_denied", "bare_ct_lookup")) {
                o.put(c + "_ns", e.ns(c));
            }
            o.put("lxc_new_allowed_ratio_vs_bare_lookup", Stats.round(e.ratio("lxc_new_allowed", "bare_ct_lookup"), 3));
            o.put("lxc_new_denied_ratio_vs_bare_lookup", Stats.round(e.ratio("lxc_new_denied", "bare_ct_lookup"), 3));
            o.put("prefilter_target", PREFILTER_TARGET);
            o.put("lxc_target", LXC_TARGET);
            o.put("compile_cached_target_ms", CACHED_COMPILE_TARGET_MS);
            o.put("rounds", ROUNDS);
            env.machine().describe(o);
            return BenchJson.line(o);
        }
    }

    private static String format(List<Double> ms) {
        return ms.stream()
                .map(v -> String.format(Locale.ROOT, "%.1f", v))
                .toList()
                .toString();
    }
}
