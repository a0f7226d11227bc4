package io.membrane.bench.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.client.AdminTransport;
import io.membrane.actors.api.model.PrefilterChange;
import io.membrane.bench.BenchFailure;
import io.membrane.bench.BenchJson;
import io.membrane.bench.BenchmarksFile;
import io.membrane.bench.Percentiles;
import io.membrane.bench.Stats;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.lab.Lab;
import io.membrane.lab.Lab.Node;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * {@code bin/membrane bench identity}: identities and the ipcache across three real agent processes in the lab,
 * each figure beside a floor measured in the same run. Allocation is driven as a user drives it before endpoints
 * exist, {@code PUT /v1/ip/{cidr}} with a label set nobody asked for yet, so each figure includes the ipcache
 * entry's own replication too.
 *
 * <ul>
 *   <li>Latency: {@code --allocs} (default 1,000) new label sets, one after the other, asked from a node that
 *       does not run the decider, after {@value #LATENCY_WARMUP} unmeasured ones. Floor: the Artery round trip between that node and the decider's, a plain ask
 *       measured by the agent ({@code GET /v1/cluster/rtt}).
 *   <li>Throughput: every node asks for new label sets with {@value #THREADS_PER_NODE} requests in flight for
 *       {@code --seconds} (default 10); then every number is checked against its labels on every node
 *       ({@code duplicates}: label sets with two numbers plus numbers with two label sets).
 *   <li>Propagation: {@code --updates} (default 100) PUTs of a known label set on n1, timed until the entry is
 *       readable in n3's pinned {@code membrane_ipcache} (read by this process, as the datapath would). Floor: a
 *       node-scoped prefilter PATCH on n3 until it is readable in n3's map.
 *   <li>Join: a fresh cluster (every node wiped) is loaded with {@code --join-identities} (default 50,000) label
 *       sets and twice as many ipcache entries; n3 is wiped and started fresh; the time from n1 seeing it up until n3's pinned ipcache
 *       holds every entry and its table every identity.
 * </ul>
 * It refuses to run while a lab is up, removes its lab at the end whatever happens, replaces the {@code ##
 * identity} section of BENCHMARKS.md (unless {@code --no-write}) and prints one JSON object as its last line.
 */
public final class IdentityBench {
    static final int THREADS_PER_NODE = 8;
    /** Label sets per PATCH in the batched throughput run. */
    static final int BATCH = 50;
    /** Entries per PATCH when loading the join set. */
    static final int LOAD_BATCH = 200;

    static final int WARMUP = 20;

    /**
     * New label sets asked for before the allocation latency is measured: the nodes are fresh JVMs, and the first
     * hundreds of requests run while the JIT compiles the path (20 left its compile pauses in the p99).
     */
    static final int LATENCY_WARMUP = 300;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long VISIBLE_TIMEOUT_NANOS = 10_000_000_000L;

    private IdentityBench() {}

    record Settings(Path root, int allocs, int seconds, int updates, int joinIdentities, boolean write) {
        static Settings parse(String[] args) {
            Path root = Path.of(".");
            int allocs = 1000;
            int seconds = 10;
            int updates = 100;
            int join = 50_000;
            boolean write = true;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--allocs" -> allocs = positive(args, ++i, "--allocs", 60_000);
                    case "--seconds" -> seconds = positive(args, ++i, "--seconds", 600);
                    case "--updates" -> updates = positive(args, ++i, "--updates", 60_000);
                    case "--join-identities" -> join = positive(args, ++i, "--join-identities", 60_000);
                    case "--no-write" -> write = false;
                    default -> {
                        if (args[i].startsWith("-")) {
                            throw new BenchFailure("unknown option " + args[i] + " (--allocs N, --seconds N, "
                                    + "--updates N, --join-identities N, --no-write)");
                        }
                        root = Path.of(args[i]);
                    }
                }
            }
            return new Settings(root.toAbsolutePath().normalize(), allocs, seconds, updates, join, write);
        }

        private static int positive(String[] args, int i, String name, int max) {
            try {
                int n = Integer.parseInt(i < args.length ? args[i] : "");
                if (n < 1 || n > max) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new BenchFailure(name + " takes a number from 1 to " + max);
            }
        }
    }

    record Samples(double[] ms) {
        double p50() {
            return Percentiles.of(ms, 50);
        }

        double p99() {
            return Percentiles.of(ms, 99);
        }
    }

    record Latency(Samples alloc, Samples floor) {}

    record Throughput(int allocations, double seconds, int duplicates) {
        double perSecond() {
            return allocations / seconds;
        }
    }

    record Propagation(Samples clusterAfterResponse, Samples clusterEndToEnd, Samples localEndToEnd) {}

    record Join(int identities, int entries, double joinMs, double loadMs) {}

    public static void main(String[] args) {
        try {
            run(Settings.parse(args));
        } catch (BenchFailure | IllegalStateException | IOException e) {
            System.err.println("bench identity: " + e.getMessage());
            System.exit(1);
        }
    }

    static void run(Settings settings) throws IOException {
        if (!Lab.present().isEmpty()) {
            throw new BenchFailure("a lab is up (" + String.join(", ", Lab.present())
                    + "); the bench builds its own: bin/membrane lab down first");
        }
        Consumer<String> progress = s -> System.err.println("bench identity: " + s);
        int entries = 2 * settings.joinIdentities() + 4 * 60_000;
        Lab.Options options =
                Lab.Options.defaults().withNodes(3).withIpcacheCapacity(entries).withBenchJvmArgs();
        try (Lab lab = Lab.up(options, progress)) {
            DatapathMaps maps = new DatapathMaps(options.mapSizes());
            Latency latency;
            Throughput single;
            Throughput throughput;
            Propagation propagation;
            Join join;
            try {
                latency = latency(lab, settings.allocs(), progress);
                single = throughput(lab, settings.seconds(), 1, 120, progress);
                throughput = throughput(lab, settings.seconds(), BATCH, 130, progress);
                propagation = propagation(lab, maps, settings.updates(), progress);
                freshCluster(lab, progress);
                join = join(lab, maps, settings.joinIdentities(), progress);
            } finally {
                Path logs = Path.of(System.getProperty("java.io.tmpdir"), "membrane-bench-identity-logs");
                lab.saveLogs(logs);
                progress.accept("the nodes' logs and configs are in " + logs);
            }
            String report = report(latency, single, throughput, propagation, join, settings);
            System.out.println(report);
            if (settings.write()) {
                BenchmarksFile.writeSection(settings.root().resolve("BENCHMARKS.md"), "identity", report);
                progress.accept(
                        "wrote the identity section of " + settings.root().resolve("BENCHMARKS.md"));
            }
            System.out.println(json(latency, single, throughput, propagation, join));
        }
    }

    // --- latency ---

    static Latency latency(Lab lab, int allocs, Consumer<String> progress) {
        Node decider = decider(lab);
        Node asker =
                lab.nodes().stream().filter(n -> !n.equals(decider)).findFirst().orElseThrow();
        progress.accept(allocs + " new label sets asked from " + asker.name() + " (the decider runs on "
                + decider.name() + ")");
        double[] ms = new double[allocs];
        for (int i = -LATENCY_WARMUP; i < allocs; i++) {
            long t0 = System.nanoTime();
            int n = i + LATENCY_WARMUP;
            put(lab, asker, "10.110." + (n >> 8) + "." + (n & 255) + "/32", "lat" + i);
            if (i >= 0) {
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        JsonNode rtt = get(lab, asker, "/v1/cluster/rtt?node=" + decider.name() + "&count=" + allocs);
        double[] floor = new double[rtt.get("samples-us").size()];
        for (int i = 0; i < floor.length; i++) {
            floor[i] = rtt.get("samples-us").get(i).asDouble() / 1000.0;
        }
        Latency l = new Latency(new Samples(ms), new Samples(floor));
        progress.accept(String.format(
                Locale.ROOT,
                "allocation p50 %.2f ms p99 %.2f ms; Artery round trip p50 %.2f ms p99 %.2f ms",
                l.alloc().p50(),
                l.alloc().p99(),
                l.floor().p50(),
                l.floor().p99()));
        return l;
    }

    // --- throughput ---

    /**
     * New label sets asked for by every node for {@code seconds}: one PUT each ({@code batch} 1) or PATCHes of
     * {@code batch} entries with as many new label sets; addresses from 10.(base+node).0.0/16.
     */
    static Throughput throughput(Lab lab, int seconds, int batch, int base, Consumer<String> progress) {
        progress.accept("every node asks for new label sets, " + THREADS_PER_NODE + " requests of " + batch
                + " in flight each, for " + seconds + " s");
        Map<String, String> labelsOf = new ConcurrentHashMap<>();
        AtomicInteger count = new AtomicInteger();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        ExecutorService pool =
                Executors.newFixedThreadPool(THREADS_PER_NODE * lab.nodes().size());
        long t0 = System.nanoTime();
        AtomicLong last = new AtomicLong();
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (Node n : lab.nodes()) {
                for (int t = 0; t < THREADS_PER_NODE; t++) {
                    int thread = t;
                    workers.add(pool.submit(() -> {
                        for (int k = 0; System.nanoTime() < end && k + batch <= 8192; k += batch) {
                            // 10.(base+node).(thread*32+k/256).(k%256): an address per label set, 8,192 per thread.
                            List<String[]> entries = new ArrayList<>();
                            for (int i = k; i < k + batch; i++) {
                                entries.add(new String[] {
                                    "10." + (base + n.index()) + "." + (thread * 32 + (i >> 8)) + "." + (i & 255)
                                            + "/32",
                                    "tp" + base + "x" + n.index() + "x" + thread + "x" + i
                                });
                            }
                            if (batch == 1) {
                                put(lab, n, entries.get(0)[0], entries.get(0)[1]);
                            } else {
                                patch(lab, n, entries);
                            }
                            entries.forEach(e -> labelsOf.put(e[0], e[1]));
                            count.addAndGet(entries.size());
                            last.set(System.nanoTime());
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : workers) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("the throughput run failed: " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
        double elapsed = (last.get() - t0) / 1e9;
        int duplicates = duplicates(lab, labelsOf);
        Throughput t = new Throughput(count.get(), elapsed, duplicates);
        progress.accept(String.format(
                Locale.ROOT,
                "%d allocations in %.1f s: %.0f/s; duplicates %d",
                t.allocations(),
                t.seconds(),
                t.perSecond(),
                t.duplicates()));
        return t;
    }

    /**
     * Label sets that more than one number stands for, plus numbers that stand for more than one label set, as
     * each node's {@code GET /v1/ip} reports them.
     */
    static int duplicates(Lab lab, Map<String, String> labelsOf) {
        int duplicates = 0;
        for (Node n : lab.nodes()) {
            // A PUT is answered once a majority has its entry; a node outside that majority hears it a moment later.
            long deadline = System.nanoTime() + 60_000_000_000L;
            Map<String, Set<Integer>> numbers = new HashMap<>();
            Map<Integer, Set<String>> sets = new HashMap<>();
            while (true) {
                numbers.clear();
                sets.clear();
                for (JsonNode e : get(lab, n, "/v1/ip")) {
                    String set = labelsOf.get(e.get("cidr").asText());
                    if (set != null) {
                        int id = e.get("identity").asInt();
                        numbers.computeIfAbsent(set, k -> new HashSet<>()).add(id);
                        sets.computeIfAbsent(id, k -> new HashSet<>()).add(set);
                    }
                }
                if (numbers.size() == labelsOf.size()) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(n.name() + " shows " + numbers.size() + " of the " + labelsOf.size()
                            + " label sets asked for, 60 s after the last answer");
                }
                LockSupport.parkNanos(200_000_000L);
            }
            int here = 0;
            for (Set<Integer> ids : numbers.values()) {
                here += ids.size() - 1;
            }
            for (Set<String> s : sets.values()) {
                here += s.size() - 1;
            }
            duplicates = Math.max(duplicates, here);
        }
        return duplicates;
    }

    // --- propagation ---

    static Propagation propagation(Lab lab, DatapathMaps maps, int updates, Consumer<String> progress) {
        Node n1 = lab.node(1);
        Node n3 = lab.node(3);
        progress.accept(WARMUP + " warm-up and " + updates + " measured PUTs of a known label set on n1, "
                + "each until it is in n3's pinned ipcache; node-scoped PATCHes on n3 as the floor");
        double[] afterResponse = new double[updates];
        double[] clusterE2e = new double[updates];
        double[] localE2e = new double[updates];
        try (LpmTrieMap<IpcacheKey, IpcacheValue> ipcache = PinnedMaps.at(n3.pinRoot())
                        .openExisting(maps.spec(DatapathMaps.IPCACHE))
                        .orElseThrow(() -> new IllegalStateException("n3 has no pinned ipcache"));
                LpmTrieMap<Ipv4Prefix, PrefilterFlag> prefilter = PinnedMaps.at(n3.pinRoot())
                        .openExisting(maps.spec(DatapathMaps.CIDR4_DYN))
                        .orElseThrow(() -> new IllegalStateException("n3 has no pinned prefilter map"))) {
            List<String> denied = new ArrayList<>();
            for (int i = 0; i < WARMUP + updates; i++) {
                Ipv4Prefix ip = new Ipv4Prefix(0x0A82_0000 + i, 32);
                pause();
                long sent = System.nanoTime();
                put(lab, n1, ip.toString(), "propagation");
                long answered = System.nanoTime();
                long visible = awaitVisible(() -> exact(ipcache, ip), "n3's ipcache entry " + ip);
                // Node-scoped /24s from 10.224.0.0/11, as bench cluster's floor: clear of the lab's fabric.
                Ipv4Prefix deny = new Ipv4Prefix(0x0AE0_0000 + (i << 8), 24);
                pause();
                long localSent = System.nanoTime();
                lab.api(n3)
                        .addToPrefilter(
                                PrefilterChange.of(List.of(deny.toString())).withScope("node"));
                long localVisible = awaitVisible(() -> prefilter.lookup(deny).isPresent(), "n3's deny " + deny);
                denied.add(deny.toString());
                if (i >= WARMUP) {
                    afterResponse[i - WARMUP] = Math.max(0, visible - answered) / 1e6;
                    clusterE2e[i - WARMUP] = (visible - sent) / 1e6;
                    localE2e[i - WARMUP] = (localVisible - localSent) / 1e6;
                }
            }
            lab.api(n3).removeFromPrefilter(PrefilterChange.of(denied).withScope("node"));
        }
        Propagation p = new Propagation(new Samples(afterResponse), new Samples(clusterE2e), new Samples(localE2e));
        progress.accept(String.format(
                Locale.ROOT,
                "PUT on n1 → in n3's map: p50 %.1f ms p99 %.1f ms; floor p50 %.1f ms p99 %.1f ms",
                p.clusterEndToEnd().p50(),
                p.clusterEndToEnd().p99(),
                p.localEndToEnd().p50(),
                p.localEndToEnd().p99()));
        return p;
    }

    private static boolean exact(LpmTrieMap<IpcacheKey, IpcacheValue> map, Ipv4Prefix ip) {
        // A /32 lookup answers the longest match, so a miss would find 0.0.0.0/0 (world): compare the prefix.
        return map.lookup(IpcacheKey.of(ip)).map(v -> v.identity() >= 256).orElse(false);
    }

    // --- join ---

    /**
     * Every node wiped and started again, a cluster that has never run: the join set needs most of the 65,280
     * cluster numbers, and the runs before it hold tens of thousands (released only after the grace period).
     */
    static void freshCluster(Lab lab, Consumer<String> progress) {
        progress.accept("a fresh cluster for the join (the runs before hold their numbers)");
        for (Node n : lab.nodes()) {
            lab.wipe(n);
        }
        for (Node n : lab.nodes()) {
            lab.launch(n);
        }
        for (Node n : lab.nodes()) {
            lab.awaitReady(n);
        }
    }

    static Join join(Lab lab, DatapathMaps maps, int identities, Consumer<String> progress) {
        int entries = 2 * identities;
        progress.accept("loading " + identities + " label sets and " + entries + " ipcache entries through all "
                + "three nodes");
        long l0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(lab.nodes().size());
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int from = 0; from < entries; from += LOAD_BATCH) {
                int start = from;
                Node n = lab.nodes().get((from / LOAD_BATCH) % lab.nodes().size());
                all.add(pool.submit(() -> {
                    List<String[]> batch = new ArrayList<>();
                    for (int k = start; k < Math.min(entries, start + LOAD_BATCH); k++) {
                        // 10.160.0.0/11 holds 2^21 addresses: two addresses (k and k + identities) per label set.
                        batch.add(
                                new String[] {new Ipv4Prefix(0x0AA0_0000 + k, 32).toString(), "join" + (k % identities)
                                });
                    }
                    // A batch the cluster could not confirm in time is sent again: the same labels get the same
                    // numbers and the same claims, so a retry only finishes what the first try began.
                    for (int attempt = 1; ; attempt++) {
                        try {
                            patch(lab, n, batch);
                            break;
                        } catch (IllegalStateException e) {
                            if (attempt == 5 || !e.getMessage().contains("HTTP 503")) {
                                throw e;
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("loading the join set failed: " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
        double loadMs = (System.nanoTime() - l0) / 1e6;
        // What a node holds once the load has reached every node: n1's pinned map and table, once n3's agree.
        long settle = System.nanoTime() + 60_000_000_000L;
        while (pinnedEntries(lab.node(3), maps) != pinnedEntries(lab.node(1), maps)
                || clusterIdentitiesOrZero(lab, lab.node(3)) != clusterIdentities(lab, lab.node(1))) {
            if (System.nanoTime() > settle) {
                throw new IllegalStateException("n1 and n3 do not agree 60 s after the load: n1 "
                        + pinnedEntries(lab.node(1), maps) + " entries, " + clusterIdentities(lab, lab.node(1))
                        + " identities; n3 " + pinnedEntries(lab.node(3), maps) + ", "
                        + clusterIdentitiesOrZero(lab, lab.node(3)));
            }
            LockSupport.parkNanos(200_000_000L);
        }
        int expectedIdentities = clusterIdentities(lab, lab.node(1));
        int expectedEntries = pinnedEntries(lab.node(1), maps);
        progress.accept(String.format(
                Locale.ROOT,
                "loaded in %.0f ms; n1 holds %d cluster identities, %d ipcache entries",
                loadMs,
                expectedIdentities,
                expectedEntries));
        Node n1 = lab.node(1);
        Node n3 = lab.node(3);
        lab.wipe(n3);
        lab.launch(n3);
        long up = -1;
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (true) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("fresh n3 did not hold the table in 180 s: " + pinnedEntries(n3, maps)
                        + " of " + expectedEntries + " entries, " + clusterIdentitiesOrZero(lab, n3) + " of "
                        + expectedIdentities + " identities" + lab.logTail(n3, 30));
            }
            if (up < 0 && "up".equals(safeMembers(lab, n1).get(n3.artery()))) {
                up = System.nanoTime();
            }
            // The node's metrics first, its pinned map only once they say it is full: counting the map walks
            // 100,000 keys, and doing that every 20 ms took a core from the node that is filling it.
            if (up >= 0
                    && metricOrZero(lab, n3, "membrane_ipcache_entries{") >= expectedEntries
                    && clusterIdentitiesOrZero(lab, n3) >= expectedIdentities
                    && pinnedEntries(n3, maps) >= expectedEntries) {
                long held = System.nanoTime();
                lab.awaitReady(n3);
                return new Join(expectedIdentities, expectedEntries, (held - up) / 1e6, loadMs);
            }
            LockSupport.parkNanos(20_000_000);
        }
    }

    private static int pinnedEntries(Node node, DatapathMaps maps) {
        return PinnedMaps.at(node.pinRoot())
                .openExisting(maps.spec(DatapathMaps.IPCACHE))
                .map(m -> {
                    try (m) {
                        return m.size();
                    }
                })
                .orElse(0);
    }

    /** The node's cluster identities, from its metrics (a whole table over the API would be megabytes). */
    private static int clusterIdentities(Lab lab, Node node) {
        for (String line : lab.api(node).metrics().split("\n")) {
            if (line.startsWith("membrane_identities{") && line.contains("scope=\"cluster\"")) {
                return (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new IllegalStateException(node.name() + "'s metrics have no membrane_identities{scope=\"cluster\"}");
    }

    /** The sum of every series of one metric (by its name and opening brace), or 0 if the node does not answer. */
    private static long metricOrZero(Lab lab, Node node, String series) {
        try {
            long sum = 0;
            for (String line : lab.api(node).metrics().split("\n")) {
                if (line.startsWith(series)) {
                    sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return sum;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static int clusterIdentitiesOrZero(Lab lab, Node node) {
        try {
            return clusterIdentities(lab, node);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static Map<String, String> safeMembers(Lab lab, Node observer) {
        try {
            return lab.members(observer);
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    // --- helpers ---

    /** The node that runs the identity decider, as GET /v1/cluster names it. */
    static Node decider(Lab lab) {
        String address = get(lab, lab.node(1), "/v1/cluster").get("decider").asText();
        return lab.nodes().stream()
                .filter(n -> n.artery().equals(address))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no lab node runs the decider (" + address + ")"));
    }

    /** PUT /v1/ip/{cidr} with the one label {@code app=set}; anything but 200/201 fails the bench. */
    static void put(Lab lab, Node node, String cidr, String set) {
        AdminTransport.Response r = send(lab.api(node), "PUT", "/v1/ip/" + cidr, "{\"labels\":[\"app=" + set + "\"]}");
        if (r.status() != 200 && r.status() != 201) {
            throw new IllegalStateException(
                    node.name() + ": PUT /v1/ip/" + cidr + ": HTTP " + r.status() + " " + r.bodyText());
        }
    }

    /** PATCH /v1/ip with {cidr, set} pairs (the one label {@code app=set} each); anything but 200 fails the bench. */
    static void patch(Lab lab, Node node, List<String[]> entries) {
        StringBuilder body = new StringBuilder("{\"entries\":[");
        for (int i = 0; i < entries.size(); i++) {
            body.append(i == 0 ? "" : ",")
                    .append("{\"cidr\":\"")
                    .append(entries.get(i)[0])
                    .append("\",\"labels\":[\"app=")
                    .append(entries.get(i)[1])
                    .append("\"]}");
        }
        AdminTransport.Response r =
                send(lab.api(node), "PATCH", "/v1/ip", body.append("]}").toString());
        if (r.status() != 200) {
            throw new IllegalStateException(
                    node.name() + ": PATCH /v1/ip of " + entries.size() + ": HTTP " + r.status() + " " + r.bodyText());
        }
    }

    static JsonNode get(Lab lab, Node node, String path) {
        AdminTransport.Response r = send(lab.api(node), "GET", path, null);
        if (r.status() != 200) {
            throw new IllegalStateException(
                    node.name() + ": GET " + path + ": HTTP " + r.status() + " " + r.bodyText());
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(node.name() + ": GET " + path + " is not JSON", e);
        }
    }

    private static AdminTransport.Response send(AdminClient api, String method, String path, String body) {
        try {
            return api.transport()
                    .send(new AdminTransport.Request(
                            method,
                            path,
                            body == null ? Map.of() : Map.of("Content-Type", "application/json"),
                            body == null ? new byte[0] : body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + ": " + e.getMessage(), e);
        }
    }

    /** A random pause of 0–50 ms, so that requests do not line up with the replicator's notify tick. */
    private static void pause() {
        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(50_000_000L));
    }

    private static long awaitVisible(java.util.function.BooleanSupplier present, String what) {
        long start = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            if (present.getAsBoolean()) {
                return now;
            }
            if (now - start > VISIBLE_TIMEOUT_NANOS) {
                throw new IllegalStateException("timed out after 10 s waiting for " + what);
            }
            LockSupport.parkNanos(100_000);
        }
    }

    // --- report ---

    static String report(Latency l, Throughput single, Throughput t, Propagation p, Join j, Settings s) {
        StringBuilder sb = new StringBuilder();
        sb.append("Three agent processes in the lab (`bin/membrane lab`), on this machine's ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs. Generated by `bin/membrane bench identity`. Allocations are `PUT /v1/ip/{cidr}` of a\n"
                        + "label set nobody asked for before, so each includes its ipcache entry's replication.\n\n");
        sb.append("| measured | p50 ms | p99 ms | against the floor (p50 / p99) |\n|---|---|---|---|\n");
        sb.append(row(
                "**allocation of a new label set from a node without the decider** (" + s.allocs() + " after "
                        + LATENCY_WARMUP + " unmeasured; target p99 ≤ 25 ms)",
                l.alloc(),
                l.floor()));
        sb.append(row("floor: Artery round trip to the decider's node (a plain ask)", l.floor(), l.floor()));
        sb.append(row(
                "**ipcache: PUT sent to n1 → entry in n3's pinned map** (" + s.updates() + "; target p99 ≤ 50 ms)",
                p.clusterEndToEnd(),
                p.localEndToEnd()));
        sb.append(row("ipcache: PUT response on n1 → entry in n3's map", p.clusterAfterResponse(), p.localEndToEnd()));
        sb.append(row(
                "floor: node-scoped prefilter PATCH sent to n3 → in n3's map", p.localEndToEnd(), p.localEndToEnd()));
        sb.append(String.format(
                Locale.ROOT,
                "%n| measured | value |%n|---|---|%n"
                        + "| **allocations per second, all three nodes, %d PATCHes of %d new label sets in flight each, "
                        + "%.1f s** (target ≥ 2,000) | %.0f |%n"
                        + "| allocations per second with one PUT per label set, %d in flight per node, %.1f s | %.0f |%n"
                        + "| duplicates (label sets with two numbers + numbers with two label sets; target 0) | %d |%n"
                        + "| **a fresh node: seen up → %,d identities and %,d ipcache entries held** (target ≤ 5,000 ms)"
                        + " | %.0f ms |%n"
                        + "| loading them through the API (PATCHes of %,d, one per node at a time) | %.0f ms |%n",
                THREADS_PER_NODE,
                BATCH,
                t.seconds(),
                t.perSecond(),
                THREADS_PER_NODE,
                single.seconds(),
                single.perSecond(),
                Math.max(t.duplicates(), single.duplicates()),
                j.identities(),
                j.entries(),
                j.joinMs(),
                LOAD_BATCH,
                j.loadMs()));
        return sb.toString();
    }

    private static String row(String what, Samples s, Samples floor) {
        return String.format(
                Locale.ROOT,
                "| %s | %.2f | %.2f | %.1f× / %.1f× |%n",
                what,
                s.p50(),
                s.p99(),
                s.p50() / floor.p50(),
                s.p99() / floor.p99());
    }

    static String json(Latency l, Throughput single, Throughput t, Propagation p, Join j) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("bench", "identity");
        o.put("alloc_p50_ms", Stats.round(l.alloc().p50(), 2));
        o.put("alloc_p99_ms", Stats.round(l.alloc().p99(), 2));
        o.put("artery_rtt_p50_ms", Stats.round(l.floor().p50(), 3));
        o.put("artery_rtt_p99_ms", Stats.round(l.floor().p99(), 3));
        o.put("alloc_per_s", Math.round(t.perSecond()));
        o.put("alloc_per_s_single_put", Math.round(single.perSecond()));
        o.put("duplicates", Math.max(t.duplicates(), single.duplicates()));
        o.put("ipcache_p50_ms", Stats.round(p.clusterEndToEnd().p50(), 2));
        o.put("ipcache_p99_ms", Stats.round(p.clusterEndToEnd().p99(), 2));
        o.put("ipcache_floor_p99_ms", Stats.round(p.localEndToEnd().p99(), 2));
        o.put("join_50k_identities_ms", Math.round(j.joinMs()));
        o.put("join_identities", j.identities());
        o.put("join_ipcache_entries", j.entries());
        return BenchJson.line(o);
    }
}
