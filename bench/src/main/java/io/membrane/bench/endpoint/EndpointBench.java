package io.membrane.bench.endpoint;

import com.typesafe.config.ConfigFactory;
import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.model.EndpointChange;
import io.membrane.actors.api.model.EndpointModel;
import io.membrane.bench.BenchArgs;
import io.membrane.bench.BenchFailure;
import io.membrane.bench.BenchJson;
import io.membrane.bench.BenchmarksFile;
import io.membrane.bench.Machine;
import io.membrane.bench.Percentiles;
import io.membrane.bench.Scratch;
import io.membrane.bench.Stats;
import io.membrane.cluster.ClusterNode;
import io.membrane.datapath.BpfObject;
import io.membrane.datapath.Clang;
import io.membrane.datapath.ConfigHeaders;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.ObjectCache;
import io.membrane.datapath.ObjectMap;
import io.membrane.datapath.structs.EndpointConfig;
import io.membrane.maps.BpfMap;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.topology.Namespaces;
import io.membrane.topology.Workload;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code bin/membrane bench endpoint}: how long an endpoint takes to become ready through the API of a running
 * agent (the single-node default: a cluster of its own, in this process; workloads are veths into a namespace of
 * the bench's own), created one at a time and 20 at once, with the object cache warm — against one cold clang
 * compile of bpf_lxc.c measured in the same run; how long a label change takes to regenerate an endpoint,
 * against the bare libbpf open-bind-load of the same object; and how long a restarted agent takes to restore
 * every endpoint to ready. Replaces the {@code ## endpoint} section of BENCHMARKS.md (unless {@code --no-write})
 * and prints one JSON object as its last line.
 */
public final class EndpointBench {
    static final int ENDPOINTS = 100;
    static final int CONCURRENT = 20;
    static final int REGENERATIONS = 40;
    static final double READY_TARGET_MS = 100;
    static final double CONCURRENT_TARGET_MS = 500;
    static final double REGENERATE_TARGET_MS = 50;
    static final double RESTORE_TARGET_MS = 2_000;
    private static final String POD_CIDR = "10.66.0.0/24";

    private EndpointBench() {}

    public static void main(String[] args) {
        if (BenchArgs.wantsHelp(args)) {
            System.out.println("bin/membrane bench endpoint [--no-write]: create → ready (one at a time and "
                    + CONCURRENT + " at once), regeneration and restore of " + ENDPOINTS + " endpoints");
            return;
        }
        BenchArgs.runThenExit("endpoint bench", () -> run(BenchArgs.parse(args)));
    }

    private record Results(
            double[] ready,
            double[] concurrent,
            double[] regenerate,
            double[] bareLoad,
            double compileColdMs,
            double restoreMs,
            long clangRuns,
            double[] identityPhase,
            double[] datapathPhase) {}

    /**
     * From each endpoint's log: the time from waiting-for-identity to waiting-to-regenerate (the identity) and from
     * regenerating to ready (the datapath), in ms, for endpoints 1..n.
     */
    private static double[][] phases(AdminClient api, int n) {
        double[] identity = new double[n];
        double[] datapath = new double[n];
        for (int id = 1; id <= n; id++) {
            Map<String, java.time.Instant> at = new LinkedHashMap<>();
            for (EndpointModel.LogEntry e : api.endpointLog(id)) {
                at.putIfAbsent(e.state(), java.time.Instant.parse(e.timestamp()));
            }
            identity[id - 1] = millis(at.get("waiting-for-identity"), at.get("waiting-to-regenerate"));
            datapath[id - 1] = millis(at.get("regenerating"), at.get("ready"));
        }
        return new double[][] {identity, datapath};
    }

    private static double millis(java.time.Instant from, java.time.Instant to) {
        if (from == null || to == null) {
            throw new BenchFailure("an endpoint's log lacks a state of the create");
        }
        return Duration.between(from, to).toNanos() / 1e6;
    }

    static void run(BenchArgs args) throws Exception {
        String id = String.valueOf(ProcessHandle.current().pid());
        String nodeNs = "mbr-bench-ep-" + id;
        PinnedMaps pins = PinnedMaps.at(Path.of("/sys/fs/bpf", "mbr-bench-ep-" + id));
        Path scratch = Scratch.create("endpoint");
        List<Workload> workloads = new ArrayList<>();
        AgentNode node = null;
        try {
            Namespaces.create(nodeNs);
            for (int i = 0; i < ENDPOINTS + CONCURRENT + 1; i++) {
                workloads.add(Workload.unaddressed(
                        nodeNs, nodeNs + "-" + i, "lxb" + id.substring(Math.max(0, id.length() - 5)) + "x" + i));
            }
            AgentConfig config = config(args.root(), pins.root(), scratch.resolve("run"), nodeNs);
            double compileCold = compileCold(args.root(), config, scratch);
            node = ClusterNode.start(config);
            AdminClient api = AdminClient.connect(node.apiBase(), Duration.ofSeconds(5), Duration.ofSeconds(60));
            awaitIdentities(api);
            // The first endpoint compiles the template into the agent's object cache; it is not measured.
            create(api, 1000, workloads.get(ENDPOINTS + CONCURRENT), "app=warmup");
            api.deleteEndpoint(1000);

            double[] ready = new double[ENDPOINTS];
            for (int i = 0; i < ENDPOINTS; i++) {
                ready[i] = create(api, i + 1, workloads.get(i), "app=seq" + (i % 10));
            }
            double[][] phases = phases(api, ENDPOINTS);
            double[] concurrent = new double[CONCURRENT];
            ExecutorService pool = Executors.newFixedThreadPool(CONCURRENT);
            try {
                List<CompletableFuture<Double>> all = new ArrayList<>();
                for (int i = 0; i < CONCURRENT; i++) {
                    int n = i;
                    all.add(CompletableFuture.supplyAsync(
                            () -> create(api, 500 + n, workloads.get(ENDPOINTS + n), "app=burst" + (n % 5)), pool));
                }
                for (int i = 0; i < CONCURRENT; i++) {
                    concurrent[i] = all.get(i).join();
                }
            } finally {
                pool.shutdownNow();
            }
            double[] regenerate = new double[REGENERATIONS];
            for (int i = 0; i < REGENERATIONS + 2; i++) {
                long t0 = System.nanoTime();
                EndpointModel e = api.setEndpointLabels(1, List.of("app=regen" + (i % 2)));
                double ms = (System.nanoTime() - t0) / 1e6;
                if (!e.state().equals("ready")) {
                    throw new BenchFailure("endpoint 1 is " + e.state() + " after a label change");
                }
                if (i >= 2) { // the first two allocate their identities
                    regenerate[i - 2] = ms;
                }
            }
            double[] bare = bareLoads(config, node);
            long clangRuns = countCompiles(config);
            for (int i = 0; i < CONCURRENT; i++) {
                api.deleteEndpoint(500 + i);
            }
            node.close();
            long t0 = System.nanoTime();
            node = ClusterNode.start(config);
            AdminClient again = AdminClient.connect(node.apiBase(), Duration.ofSeconds(5), Duration.ofSeconds(60));
            awaitAllReady(again, ENDPOINTS);
            double restore = (System.nanoTime() - t0) / 1e6;
            report(
                    args,
                    new Results(
                            ready,
                            concurrent,
                            regenerate,
                            bare,
                            compileCold,
                            restore,
                            clangRuns,
                            phases[0],
                            phases[1]));
        } finally {
            if (node != null) {
                node.close();
            }
            workloads.forEach(Workload::delete);
            Namespaces.delete(nodeNs);
            pins.removeAll();
            Scratch.remove(scratch);
        }
    }

    private static AgentConfig config(Path root, Path pinRoot, Path runDir, String nodeNs) {
        String text = "membrane { pin-root = \"" + pinRoot + "\", run-dir = \"" + runDir + "\", bpf-dir = \""
                + root.resolve("bpf") + "\", api.port = 0, devices = [],"
                + " endpoints { pod-cidr = \"" + POD_CIDR + "\", netns = \"" + nodeNs + "\" },"
                + " cluster.node-name = \"bench\" }\n"
                + "pekko.remote.artery.canonical { hostname = \"127.0.0.1\", port = 0 }\n";
        return AgentConfig.from(ConfigFactory.parseString(text)
                .withFallback(ConfigFactory.defaultReference())
                .resolve());
    }

    /** One compile of bpf_lxc.c with the agent's headers into an empty cache: what a cache miss costs. */
    private static double compileCold(Path root, AgentConfig config, Path scratch) {
        DatapathMaps maps = new DatapathMaps(config.mapSizes());
        Path node = scratch.resolve("headers");
        ConfigHeaders.writeNode(node, maps, config.nodeHeader());
        Path template = node.resolve("endpoints");
        ConfigHeaders.write(template, ConfigHeaders.ENDPOINT, ConfigHeaders.endpointTemplate(maps));
        ObjectCache cold = new ObjectCache(scratch.resolve("cold-cache"), new Clang());
        long t0 = System.nanoTime();
        ObjectCache.Compiled c = cold.compile(root.resolve("bpf/bpf_lxc.c"), List.of(template, node));
        if (c.cacheHit()) {
            throw new BenchFailure("the cold cache answered from a cache");
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /** The bare libbpf path of a regeneration: open the cached object, bind the agent's maps, set the constant, load. */
    private static double[] bareLoads(AgentConfig config, AgentNode node) throws Exception {
        Path object;
        try (var files = Files.list(config.objectCacheDir())) {
            object = files.filter(p -> p.getFileName().toString().startsWith("bpf_lxc"))
                    .filter(p -> p.getFileName().toString().endsWith(".o"))
                    .findFirst()
                    .orElseThrow(() -> new BenchFailure("no compiled bpf_lxc in " + config.objectCacheDir()));
        }
        Map<String, BpfMap<?, ?>> byName = new LinkedHashMap<>();
        for (BpfMap<?, ?> m : node.targets().maps().open().all()) {
            byName.put(m.spec().kernelName(), m);
        }
        BpfMap<?, ?> policy = node.targets()
                .maps()
                .pins()
                .openExisting(node.targets().maps().specs().policy(1))
                .orElseThrow(() -> new BenchFailure("endpoint 1 has no policy map"));
        byte[] constants =
                new EndpointConfig(1, 1, 300, Ipv4Prefix.host("10.66.0.2").address(), Optional.empty()).toBytes();
        double[] out = new double[REGENERATIONS];
        try {
            for (int i = 0; i < REGENERATIONS + 2; i++) {
                long t0 = System.nanoTime();
                try (BpfObject obj = BpfObject.open(object)) {
                    for (ObjectMap def : obj.maps()) {
                        if (!def.isInternal()) {
                            obj.bind(
                                    def.name(),
                                    def.name().equals(DatapathMaps.POLICY_TEMPLATE) ? policy : byName.get(def.name()));
                        }
                    }
                    obj.setConstant(EndpointConfig.VARIABLE, constants);
                    obj.load();
                }
                if (i >= 2) {
                    out[i - 2] = (System.nanoTime() - t0) / 1e6;
                }
            }
        } finally {
            policy.close();
        }
        return out;
    }

    /** How many objects the agent's cache compiled: one per configuration shape, not one per endpoint. */
    private static long countCompiles(AgentConfig config) throws Exception {
        try (var files = Files.list(config.objectCacheDir())) {
            return files.filter(p -> p.getFileName().toString().startsWith("bpf_lxc"))
                    .filter(p -> p.getFileName().toString().endsWith(".o"))
                    .count();
        }
    }

    /** PUT with sync: the wall time until the agent answered ready. */
    private static double create(AdminClient api, int id, Workload w, String label) {
        long t0 = System.nanoTime();
        EndpointModel e = api.putEndpoint(id, new EndpointChange(w.hostDevice(), null, List.of(label), null, true));
        double ms = (System.nanoTime() - t0) / 1e6;
        if (!e.state().equals("ready")) {
            throw new BenchFailure("endpoint " + id + " answered " + e.state());
        }
        return ms;
    }

    /** The single-node cluster's decider answers before the bench measures anything. */
    private static void awaitIdentities(AdminClient api) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                api.putIp("203.0.113.77/32", List.of("app=bench-probe"));
                api.deleteIp("203.0.113.77/32");
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw new BenchFailure("the agent gave no identity within 60 s: " + e.getMessage());
                }
                Thread.sleep(100);
            }
        }
    }

    private static void awaitAllReady(AdminClient api, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                List<EndpointModel> all = api.endpoints("");
                if (all.size() == count && all.stream().allMatch(e -> e.state().equals("ready"))) {
                    return;
                }
            } catch (RuntimeException e) {
                // the API is not up yet
            }
            Thread.sleep(5);
        }
        throw new BenchFailure("not all " + count + " endpoints were ready again within 120 s");
    }

    private static void report(BenchArgs args, Results r) throws Exception {
        Machine machine = Machine.current();
        double readyP50 = Percentiles.of(r.ready(), 50);
        double readyP99 = Percentiles.of(r.ready(), 99);
        double concurrentP99 = Percentiles.of(r.concurrent(), 99);
        double regenP50 = Percentiles.of(r.regenerate(), 50);
        double regenP99 = Percentiles.of(r.regenerate(), 99);
        double bareP50 = Percentiles.of(r.bareLoad(), 50);
        double bareP99 = Percentiles.of(r.bareLoad(), 99);
        String md = String.format(
                "%s. Regenerate: `bin/membrane bench endpoint` (main class `io.membrane.bench.endpoint.EndpointBench`,"
                        + " about a minute).%n%n"
                        + "An agent in the bench's process (the single-node default, a cluster of its own; its API on a"
                        + " unix socket), workloads on veths into a namespace of the bench's own. *Create → ready*: `PUT"
                        + " /v1/endpoint/{id}` with `sync: true`, the wall time until the reply (identity, policy map,"
                        + " bpf_lxc loaded from the template with its constants, two tcx links, lxc and ipcache entries,"
                        + " route); %d one at a time, then %d at once; the object cache warm (one unmeasured endpoint"
                        + " first). Baseline: one cold clang compile of bpf_lxc.c with the same headers. *Regeneration*:"
                        + " `PATCH /v1/endpoint/1/labels` between two label sets whose identities exist, %d times;"
                        + " baseline: the bare libbpf open, bind, set-constant and load of the same object. *Restore*:"
                        + " a new agent on the same pins and run directory, from its start until GET /v1/endpoint shows"
                        + " all %d ready.%n%n"
                        + "| figure | ours | baseline | ratio | target | met |%n|---|---|---|---|---|---|%n"
                        + "| create → ready p50 | %.1f ms | %.0f ms (compile) | %.3f | — | — |%n"
                        + "| … of which the identity, p50 | %.1f ms | — | — | — | — |%n"
                        + "| … of which the datapath, p50 | %.1f ms | %.1f ms (bare load) | %.2f | — | — |%n"
                        + "| create → ready p99 | %.1f ms | %.0f ms (compile) | %.3f | ≤ %.0f ms | %s |%n"
                        + "| create → ready p99, %d at once | %.1f ms | %.0f ms (compile) | %.3f | ≤ %.0f ms | %s |%n"
                        + "| regeneration p50 | %.1f ms | %.1f ms (bare load) | %.2f | — | — |%n"
                        + "| regeneration p99 | %.1f ms | %.1f ms (bare load) | %.2f | ≤ %.0f ms | %s |%n"
                        + "| restore of %d endpoints | %.0f ms | — | — | ≤ %.0f ms | %s |%n"
                        + "| template compiles for %d endpoints | %d | — | — | 1 | %s |%n",
                machine.measured("clang " + new Clang().version()),
                ENDPOINTS,
                CONCURRENT,
                REGENERATIONS,
                ENDPOINTS,
                readyP50,
                r.compileColdMs(),
                readyP50 / r.compileColdMs(),
                Percentiles.of(r.identityPhase(), 50),
                Percentiles.of(r.datapathPhase(), 50),
                bareP50,
                Percentiles.of(r.datapathPhase(), 50) / bareP50,
                readyP99,
                r.compileColdMs(),
                readyP99 / r.compileColdMs(),
                READY_TARGET_MS,
                BenchmarksFile.yesNo(readyP99 <= READY_TARGET_MS),
                CONCURRENT,
                concurrentP99,
                r.compileColdMs(),
                concurrentP99 / r.compileColdMs(),
                CONCURRENT_TARGET_MS,
                BenchmarksFile.yesNo(concurrentP99 <= CONCURRENT_TARGET_MS),
                regenP50,
                bareP50,
                regenP50 / bareP50,
                regenP99,
                bareP99,
                regenP99 / bareP99,
                REGENERATE_TARGET_MS,
                BenchmarksFile.yesNo(regenP99 <= REGENERATE_TARGET_MS),
                ENDPOINTS,
                r.restoreMs(),
                RESTORE_TARGET_MS,
                BenchmarksFile.yesNo(r.restoreMs() <= RESTORE_TARGET_MS),
                ENDPOINTS + CONCURRENT + 1,
                r.clangRuns(),
                BenchmarksFile.yesNo(r.clangRuns() == 1));
        if (args.write()) {
            BenchmarksFile.writeSection(args.root().resolve("BENCHMARKS.md"), "endpoint", md);
        }
        System.out.print(md);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("bench", "endpoint");
        json.put("endpoint_ready_p50_ms", Stats.round(readyP50, 2));
        json.put("endpoint_ready_p99_ms", Stats.round(readyP99, 2));
        json.put("endpoint_ready_concurrent_p99_ms", Stats.round(concurrentP99, 2));
        json.put("ready_identity_p50_ms", Stats.round(Percentiles.of(r.identityPhase(), 50), 2));
        json.put("ready_datapath_p50_ms", Stats.round(Percentiles.of(r.datapathPhase(), 50), 2));
        json.put("regenerate_p50_ms", Stats.round(regenP50, 2));
        json.put("regenerate_p99_ms", Stats.round(regenP99, 2));
        json.put("bare_load_p50_ms", Stats.round(bareP50, 2));
        json.put("bare_load_p99_ms", Stats.round(bareP99, 2));
        json.put("compile_cold_ms", Stats.round(r.compileColdMs(), 1));
        json.put("restore_100_ms", Stats.round(r.restoreMs(), 1));
        json.put("template_compiles", r.clangRuns());
        json.put(
                "load_average_1m",
                Stats.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), 1));
        System.out.println(BenchJson.line(json));
    }
}
