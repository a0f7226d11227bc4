package io.membrane.bench.cluster;

import io.membrane.actors.api.client.AdminApiException;
import io.membrane.actors.api.model.PrefilterChange;
import io.membrane.actors.api.model.PrefilterChanged;
import io.membrane.bench.BenchJson;
import io.membrane.bench.BenchmarksFile;
import io.membrane.bench.Percentiles;
import io.membrane.bench.Stats;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.lab.Lab;
import io.membrane.lab.Lab.Node;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code bin/membrane bench cluster}: three real agent processes in the lab ({@link Lab}, one network namespace,
 * pin root and JVM per node) and two figures, each beside a baseline measured in the same run.
 *
 * <p>Propagation: a cluster-scoped PATCH of one CIDR on node 1, timed from its HTTP response until the CIDR is
 * readable in node 3's pinned LPM map (this process reads the map, as the XDP program would), {@code --updates}
 * times (default 100) after warm-up, with random pauses so that the sends do not line up with the cluster's
 * timers. The baseline, interleaved with it: a node-scoped PATCH on node 3 itself, from sending it until the CIDR
 * is readable in node 3's map — what the same change costs when no network is involved.
 *
 * <p>Join: node 1 takes {@code --join-cidrs} (default 100,000) cluster-scoped CIDRs; every node mirrors them;
 * node 3 is then wiped (agent stopped, pins and run state removed) and started as a fresh node, {@code
 * --join-rounds} times (default 3). The figure is the median time from node 1 seeing node 3 up until node 3's
 * pinned map holds every CIDR. The baseline: a node-scoped PATCH
 * of the same CIDRs on node 1 (sent → enforced), the agent's own cost of writing them.
 *
 * <p>It refuses to run while a lab is up (it would take the lab's names), removes its lab at the end whatever
 * happens, replaces the {@code ## cluster} section of BENCHMARKS.md (unless {@code --no-write}) and prints one
 * JSON object as its last line. Usage: {@code ClusterBench [project-root] [--updates N] [--join-cidrs N]
 * [--join-rounds N] [--no-write]}.
 */
public final class ClusterBench {
    static final int DEFAULT_UPDATES = 100;
    static final int DEFAULT_JOIN_CIDRS = 100_000;
    /** Fresh joins measured, the figure being their median: one join on a shared 2-vCPU VM varies by a second. */
    static final int DEFAULT_JOIN_ROUNDS = 3;

    static final int WARMUP = 20;
    /**
     * Each update takes a /24 of its own from a /11 (8,192 of them, warm-up included): beyond that the CIDRs
     * would run into the node-scoped range and be "visible" before they were sent.
     */
    static final int MAX_UPDATES = (1 << 13) - WARMUP;
    /** Batches of the cluster-scoped load: a request body stays well under the API's limit. */
    static final int LOAD_BATCH = 10_000;

    static final long VISIBLE_TIMEOUT_NANOS = 10_000_000_000L;

    private ClusterBench() {}

    /** Command-line settings. */
    record Settings(Path root, int updates, int joinCidrs, int joinRounds, boolean write) {
        static Settings parse(String[] args) {
            Path root = Path.of(".");
            int updates = DEFAULT_UPDATES;
            int join = DEFAULT_JOIN_CIDRS;
            int rounds = DEFAULT_JOIN_ROUNDS;
            boolean write = true;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--updates" -> updates = positive(args, ++i, "--updates");
                    case "--join-cidrs" -> join = positive(args, ++i, "--join-cidrs");
                    case "--join-rounds" -> rounds = positive(args, ++i, "--join-rounds");
                    case "--no-write" -> write = false;
                    default -> {
                        if (args[i].startsWith("--")) {
                            throw new IllegalArgumentException("unknown option " + args[i]
                                    + " (--updates N, --join-cidrs N, --join-rounds N, --no-write)");
                        }
                        root = Path.of(args[i]);
                    }
                }
            }
            if (updates > MAX_UPDATES) {
                throw new IllegalArgumentException("--updates must be at most " + MAX_UPDATES + ", was " + updates);
            }
            if (join > 1 << 18) {
                throw new IllegalArgumentException("--join-cidrs must be at most " + (1 << 18) + ", was " + join);
            }
            return new Settings(root, updates, join, rounds, write);
        }

        private static int positive(String[] args, int i, String name) {
            if (i >= args.length) {
                throw new IllegalArgumentException(name + " needs a number");
            }
            try {
                int n = Integer.parseInt(args[i]);
                if (n < 1) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a positive number, was " + args[i]);
            }
        }
    }

    /** Latency samples in milliseconds of one kind. */
    record Samples(double[] ms) {
        double p50() {
            return Percentiles.of(ms, 50);
        }

        double p99() {
            return Percentiles.of(ms, 99);
        }

        double max() {
            return Percentiles.of(ms, 100);
        }
    }

    record Propagation(
            Samples afterResponse, Samples clusterEndToEnd, Samples clusterResponse, Samples localEndToEnd) {}

    /** Per round: n3 seen up → mirrored, and agent start → mirrored (ms). */
    record Join(int cidrs, double[] joinMs, double[] startToMirroredMs, double loadMs, double localPatchMs) {
        double median() {
            return Percentiles.of(joinMs, 50);
        }

        double startMedian() {
            return Percentiles.of(startToMirroredMs, 50);
        }
    }

    public static void main(String[] args) {
        Settings settings;
        try {
            settings = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench cluster: " + e.getMessage());
            System.exit(2);
            return;
        }
        List<String> present = Lab.present();
        if (!present.isEmpty()) {
            System.err.println("bench cluster: a lab is up (" + String.join(", ", present)
                    + "); the bench builds its own: bin/membrane lab down first");
            System.exit(1);
        }
        Consumer<String> progress = s -> System.err.println("bench cluster: " + s);
        int capacity = Math.max(Lab.Options.DEFAULT_CIDR_CAPACITY, settings.joinCidrs() + 1024);
        Lab.Options options =
                Lab.Options.defaults().withNodes(3).withCidrCapacity(capacity).withBenchJvmArgs();
        try (Lab lab = Lab.up(options, progress)) {
            DatapathMaps maps = new DatapathMaps(options.mapSizes());
            Propagation p;
            Join j;
            try {
                p = propagation(lab, maps, settings.updates(), progress);
                j = join(lab, maps, settings.joinCidrs(), settings.joinRounds(), progress);
            } finally {
                Path logs = Path.of(System.getProperty("java.io.tmpdir"), "membrane-bench-cluster-logs");
                lab.saveLogs(logs);
                progress.accept("the nodes' logs and configs are in " + logs);
            }
            String report = report(p, j, settings);
            System.out.println(report);
            if (settings.write()) {
                BenchmarksFile.writeSection(settings.root().resolve("BENCHMARKS.md"), "cluster", report);
                progress.accept(
                        "wrote the cluster section of " + settings.root().resolve("BENCHMARKS.md"));
            }
            System.out.println(json(p, j));
        } catch (IOException | RuntimeException e) {
            System.err.println("bench cluster: " + e.getMessage());
            System.exit(1);
        }
    }

    // --- propagation ---

    static Propagation propagation(Lab lab, DatapathMaps maps, int updates, Consumer<String> progress) {
        try (LpmTrieMap<Ipv4Prefix, PrefilterFlag> n3Map = open(lab.node(3), maps)) {
            return propagation(lab, n3Map, updates, progress);
        }
    }

    private static Propagation propagation(
            Lab lab, LpmTrieMap<Ipv4Prefix, PrefilterFlag> n3Map, int updates, Consumer<String> progress) {
        Node n1 = lab.node(1);
        Node n3 = lab.node(3);
        List<Ipv4Prefix> clusterAdded = new ArrayList<>();
        List<Ipv4Prefix> localAdded = new ArrayList<>();
        double[] afterResponse = new double[updates];
        double[] clusterE2e = new double[updates];
        double[] clusterResponse = new double[updates];
        double[] localE2e = new double[updates];
        progress.accept(WARMUP + " warm-up and " + updates + " measured updates each: cluster-scoped on n1, "
                + "node-scoped on n3");
        for (int i = 0; i < WARMUP + updates; i++) {
            // /24s from 10.192.0.0/11 for cluster scope, from 10.224.0.0/11 for node scope: both in the LPM map,
            // apart from the join set and from the lab's own fabric (10.79.0.0/24), which must never be denied.
            Ipv4Prefix c = new Ipv4Prefix(0x0AC0_0000 + (i << 8), 24);
            Ipv4Prefix l = new Ipv4Prefix(0x0AE0_0000 + (i << 8), 24);
            pause();
            long sent = System.nanoTime();
            expect(() -> lab.api(n1).addToPrefilter(body(List.of(c), "cluster")), "cluster-scoped PATCH on n1");
            long answered = System.nanoTime();
            long visible = awaitVisible(n3Map, c, "cluster-scoped " + c + " in n3's map");
            clusterAdded.add(c);
            pause();
            long localSent = System.nanoTime();
            expect(() -> lab.api(n3).addToPrefilter(body(List.of(l), "node")), "node-scoped PATCH on n3");
            long localVisible = awaitVisible(n3Map, l, "node-scoped " + l + " in n3's map");
            localAdded.add(l);
            if (i >= WARMUP) {
                int k = i - WARMUP;
                afterResponse[k] = Math.max(0, visible - answered) / 1e6;
                clusterE2e[k] = (visible - sent) / 1e6;
                clusterResponse[k] = (answered - sent) / 1e6;
                localE2e[k] = (localVisible - localSent) / 1e6;
            }
        }
        expect(() -> lab.api(n1).removeFromPrefilter(body(clusterAdded, "cluster")), "cluster-scoped DELETE");
        expect(() -> lab.api(n3).removeFromPrefilter(body(localAdded, "node")), "node-scoped DELETE");
        Propagation p = new Propagation(
                new Samples(afterResponse),
                new Samples(clusterE2e),
                new Samples(clusterResponse),
                new Samples(localE2e));
        progress.accept(String.format(
                Locale.ROOT,
                "propagation after the response: p50 %.1f ms, p99 %.1f ms",
                p.afterResponse().p50(),
                p.afterResponse().p99()));
        return p;
    }

    /** A random pause of 0–50 ms, so that requests do not line up with the replicator's 20 ms notify tick. */
    private static void pause() {
        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(50_000_000L));
    }

    /** Polls the map every ~100 µs until {@code p} is in it; the time it was first seen. */
    private static long awaitVisible(LpmTrieMap<Ipv4Prefix, PrefilterFlag> map, Ipv4Prefix p, String what) {
        long start = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            if (map.lookup(p).isPresent()) {
                return now;
            }
            if (now - start > VISIBLE_TIMEOUT_NANOS) {
                throw new IllegalStateException(
                        "timed out after " + VISIBLE_TIMEOUT_NANOS / 1_000_000_000L + " s waiting for " + what);
            }
            LockSupport.parkNanos(100_000);
        }
    }

    // --- join ---

    static Join join(Lab lab, DatapathMaps maps, int count, int rounds, Consumer<String> progress) {
        Node n1 = lab.node(1);
        List<Ipv4Prefix> cidrs = joinCidrs(count);

        progress.accept("baseline: node-scoped PATCH of " + count + " CIDRs on n1");
        long t0 = System.nanoTime();
        expect(() -> lab.api(n1).addToPrefilter(body(cidrs, "node")), "node-scoped PATCH of the join set");
        double localMs = (System.nanoTime() - t0) / 1e6;
        expect(() -> lab.api(n1).removeFromPrefilter(body(cidrs, "node")), "node-scoped DELETE of the join set");

        progress.accept("loading " + count + " cluster-scoped CIDRs through n1 in batches of " + LOAD_BATCH);
        long l0 = System.nanoTime();
        for (int i = 0; i < cidrs.size(); i += LOAD_BATCH) {
            long b0 = System.nanoTime();
            PrefilterChange batch = body(cidrs.subList(i, Math.min(cidrs.size(), i + LOAD_BATCH)), "cluster");
            expect(() -> lab.api(n1).addToPrefilter(batch), "cluster-scoped PATCH of the join set");
            progress.accept(String.format(
                    Locale.ROOT,
                    "  CIDRs %d..%d: %.0f ms",
                    i,
                    Math.min(cidrs.size(), i + LOAD_BATCH) - 1,
                    (System.nanoTime() - b0) / 1e6));
        }
        double loadMs = (System.nanoTime() - l0) / 1e6;
        for (Node n : lab.nodes()) {
            try (LpmTrieMap<Ipv4Prefix, PrefilterFlag> map = open(n, maps)) {
                long deadline = System.nanoTime() + 120_000_000_000L;
                while (!holdsAll(map, cidrs)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(
                                n.name() + " did not mirror " + count + " cluster CIDRs in 120 s");
                    }
                    LockSupport.parkNanos(100_000_000);
                }
            }
        }
        progress.accept(String.format(Locale.ROOT, "every node holds the %d CIDRs (load took %.0f ms)", count, loadMs));
        double[] joinMs = new double[rounds];
        double[] startMs = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long[] t = freshJoin(lab, maps, cidrs);
            joinMs[r] = t[0] / 1e6;
            startMs[r] = t[1] / 1e6;
            progress.accept(String.format(
                    Locale.ROOT,
                    "fresh n3 (round %d of %d): up → %d CIDRs mirrored in %.0f ms " + "(start → mirrored %.0f ms)",
                    r + 1,
                    rounds,
                    count,
                    joinMs[r],
                    startMs[r]));
        }
        return new Join(count, joinMs, startMs, loadMs, localMs);
    }

    /**
     * Wipes n3, starts it as a fresh node and times it: {n1 sees n3 up → n3's map holds every CIDR, n3's agent
     * started → the same}, in ns. Returns once n3 is ready again.
     */
    private static long[] freshJoin(Lab lab, DatapathMaps maps, List<Ipv4Prefix> cidrs) {
        Node n1 = lab.node(1);
        Node n3 = lab.node(3);
        lab.wipe(n3);
        long started = System.nanoTime();
        lab.launch(n3);
        long up = -1;
        long mirrored = -1;
        Optional<LpmTrieMap<Ipv4Prefix, PrefilterFlag>> n3Map = Optional.empty();
        long deadline = started + 180_000_000_000L;
        try {
            while (up < 0 || mirrored < 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("fresh n3 not up and mirrored in 180 s (up: " + (up >= 0)
                            + ", mirrored: " + (mirrored >= 0) + ")" + lab.logTail(n3, 30));
                }
                if (up < 0 && seesUp(lab, n1, n3)) {
                    up = System.nanoTime();
                }
                if (mirrored < 0) {
                    if (n3Map.isEmpty()) {
                        n3Map = PinnedMaps.at(n3.pinRoot()).openExisting(maps.spec(DatapathMaps.CIDR4_DYN));
                    }
                    if (n3Map.isPresent() && holdsAll(n3Map.get(), cidrs)) {
                        mirrored = System.nanoTime();
                    }
                }
                // 5 ms: fine enough for a figure of seconds, and light enough (an HTTP request to n1, then a sample
                // of map lookups) not to take CPU from the join it measures.
                LockSupport.parkNanos(5_000_000);
            }
        } finally {
            // A descriptor kept open would keep this round's map, 100,000 entries, alive after the next wipe.
            n3Map.ifPresent(LpmTrieMap::close);
        }
        lab.awaitReady(n3);
        return new long[] {Math.max(0, mirrored - up), mirrored - started};
    }

    /**
     * {@code count} (at most 2^18) distinct /28s from 10.128.0.0/10, in the LPM map — clear of the lab's fabric
     * (10.79.0.0/24): a deny list that covers the nodes' own addresses cuts the cluster apart at their XDP.
     */
    static List<Ipv4Prefix> joinCidrs(int count) {
        List<Ipv4Prefix> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(new Ipv4Prefix(0x0A80_0000 + (i << 4), 28));
        }
        return out;
    }

    /**
     * Whether the map holds every CIDR: first a sample spread over the list (cheap, polled often), then all of
     * them.
     */
    private static boolean holdsAll(LpmTrieMap<Ipv4Prefix, PrefilterFlag> map, List<Ipv4Prefix> cidrs) {
        int step = Math.max(1, cidrs.size() / 256);
        for (int i = cidrs.size() - 1; i >= 0; i -= step) {
            if (map.lookup(cidrs.get(i)).isEmpty()) {
                return false;
            }
        }
        for (Ipv4Prefix p : cidrs) {
            if (map.lookup(p).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private static boolean seesUp(Lab lab, Node observer, Node node) {
        try {
            return "up".equals(lab.members(observer).get(node.artery()));
        } catch (RuntimeException e) {
            return false; // n1 answers again on the next poll
        }
    }

    // --- helpers ---

    private static LpmTrieMap<Ipv4Prefix, PrefilterFlag> open(Node node, DatapathMaps maps) {
        return PinnedMaps.at(node.pinRoot())
                .openExisting(maps.spec(DatapathMaps.CIDR4_DYN))
                .orElseThrow(() -> new IllegalStateException(node.name() + ": no pinned "
                        + maps.spec(DatapathMaps.CIDR4_DYN).name() + " of the expected shape under " + node.pinRoot()));
    }

    static PrefilterChange body(List<Ipv4Prefix> cidrs, String scope) {
        return PrefilterChange.of(cidrs.stream().map(Ipv4Prefix::toString).toList())
                .withScope(scope);
    }

    private static void expect(Supplier<PrefilterChanged> call, String what) {
        try {
            call.get();
        } catch (AdminApiException e) {
            throw new IllegalStateException(
                    what + ": HTTP " + e.status() + " " + e.error().oneLine(), e);
        }
    }

    static String report(Propagation p, Join j, Settings s) {
        StringBuilder sb = new StringBuilder();
        sb.append("Three agent processes in the lab (`bin/membrane lab`: one network namespace, pin root and JVM per\n"
                        + "node, Artery over a bridge), on this machine's ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs. Generated by `bin/membrane bench cluster`.\n\n");
        sb.append("### Propagation of a cluster-scoped PATCH (")
                .append(s.updates())
                .append(" updates)\n\n");
        sb.append("| measured | p50 ms | p99 ms | max ms |\n|---|---|---|---|\n");
        row(sb, "**PATCH response on n1 → readable in n3's pinned map** (target p99 ≤ 100 ms)", p.afterResponse());
        row(sb, "cluster scope: PATCH sent to n1 → readable in n3's map", p.clusterEndToEnd());
        row(sb, "cluster scope: PATCH sent to n1 → response (a majority confirmed, n1 enforces)", p.clusterResponse());
        row(sb, "baseline: node scope, PATCH sent to n3 → readable in n3's map", p.localEndToEnd());
        sb.append(String.format(
                Locale.ROOT,
                "%nCluster scope end to end against the node-scoped baseline: p50 %.1f×, " + "p99 %.1f×.%n%n",
                p.clusterEndToEnd().p50() / p.localEndToEnd().p50(),
                p.clusterEndToEnd().p99() / p.localEndToEnd().p99()));
        sb.append("### A fresh node joining a cluster that holds ")
                .append(String.format(Locale.ROOT, "%,d", j.cidrs()))
                .append(" cluster-scoped CIDRs\n\n");
        sb.append("| measured | ms |\n|---|---|\n");
        sb.append(String.format(
                Locale.ROOT,
                "| **n3 seen up by n1 → every CIDR in n3's pinned map**, median of %d "
                        + "fresh joins (target ≤ 5,000) | %.0f (each: %s) |%n",
                j.joinMs().length,
                j.median(),
                list(j.joinMs())));
        sb.append(String.format(
                Locale.ROOT,
                "| n3's agent started → every CIDR in its map | %.0f (each: %s) |%n",
                j.startMedian(),
                list(j.startToMirroredMs())));
        sb.append(String.format(
                Locale.ROOT,
                "| baseline: node-scoped PATCH of the same CIDRs on n1 (sent → enforced) " + "| %.0f |%n",
                j.localPatchMs()));
        sb.append(String.format(
                Locale.ROOT,
                "| loading them cluster-scoped through n1 (%d PATCHes of %,d) | %.0f |%n",
                (j.cidrs() + LOAD_BATCH - 1) / LOAD_BATCH,
                Math.min(LOAD_BATCH, j.cidrs()),
                j.loadMs()));
        sb.append(String.format(
                Locale.ROOT,
                "%nJoin (median) against the node-scoped baseline: %.1f×.%n",
                j.median() / j.localPatchMs()));
        return sb.toString();
    }

    private static String list(double[] ms) {
        StringBuilder sb = new StringBuilder();
        for (double v : ms) {
            sb.append(sb.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", v));
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String what, Samples s) {
        sb.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f |%n", what, s.p50(), s.p99(), s.max()));
    }

    static String json(Propagation p, Join j) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("bench", "cluster");
        o.put("propagation_p50_ms", Stats.round(p.afterResponse().p50(), 2));
        o.put("propagation_p99_ms", Stats.round(p.afterResponse().p99(), 2));
        o.put("propagation_max_ms", Stats.round(p.afterResponse().max(), 2));
        o.put("cluster_end_to_end_p99_ms", Stats.round(p.clusterEndToEnd().p99(), 2));
        o.put("local_end_to_end_p99_ms", Stats.round(p.localEndToEnd().p99(), 2));
        o.put("join_100k_ms", Math.round(j.median()));
        o.put("join_cidrs", j.cidrs());
        o.put("join_start_to_mirrored_ms", Math.round(j.startMedian()));
        o.put("local_patch_join_set_ms", Math.round(j.localPatchMs()));
        return BenchJson.line(o);
    }
}
