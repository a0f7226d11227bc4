package io.membrane.bench.maps;

import io.membrane.bench.BenchArgs;
import io.membrane.bench.BenchFailure;
import io.membrane.bench.BenchJson;
import io.membrane.bench.BenchmarksFile;
import io.membrane.bench.CBaseline;
import io.membrane.bench.Machine;
import io.membrane.bench.RoundOrder;
import io.membrane.bench.Scratch;
import io.membrane.bench.Stats;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.BpfMaps;
import io.membrane.maps.MapSpec;
import io.membrane.maps.UpdateFlag;
import io.membrane.maps.layout.Layout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/membrane bench maps}: measures the maps layer against libbpf called from C, in one run on the same
 * map shape (BPF_MAP_TYPE_HASH, u32 key, u64 value, 10,000 entries). It compiles {@code bench/src/main/c/maps_bench.c}
 * with {@code gcc -O2}, then alternates rounds of that C program (a fresh process, its own map) with rounds of
 * {@link BpfHashMap#put}, {@link BpfHashMap#lookup} and {@link BpfHashMap#updateBatch} on a map of the same shape,
 * after a JIT warm-up, so that machine noise falls on both sides. Figures are medians over rounds of the median of
 * each round's passes; it writes them as ratios into the {@code ## maps} section of BENCHMARKS.md and prints one
 * JSON object as its last line of output. Usage: {@code MapsBench [project-root] [--no-write]}
 * (default: working directory; {@link BenchArgs}).
 */
public final class MapsBench {
    static final int ENTRIES = 10_000;
    static final int ROUNDS = 21;
    static final int PASSES = 5;
    static final int WARMUP_PASSES = 40;
    static final double PER_OP_TARGET = 1.15;
    static final double BATCH_SPEEDUP_TARGET = 3.0;
    static final String SOURCE = "bench/src/main/c/maps_bench.c";

    private static volatile long sink;

    private MapsBench() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        BenchArgs.runMain(
                args,
                "maps bench",
                "usage: bin/membrane bench maps [--no-write]\n"
                        + "  measures the maps layer against a C loop over libbpf;",
                MapsBench::run);
    }

    static void run(BenchArgs args) throws IOException, InterruptedException {
        Path root = args.root();
        Path source = root.resolve(SOURCE);
        if (!Files.isRegularFile(source)) {
            throw new BenchFailure("no " + SOURCE + " under " + root + ": pass the project root as the argument");
        }
        Path work = Scratch.create("maps");
        try {
            Path binary = CBaseline.compile(source, work);
            Figures figures = measure(binary);
            Machine env = Machine.current();
            Path md = root.resolve("BENCHMARKS.md");
            if (args.write()) {
                BenchmarksFile.writeSection(md, "maps", figures.markdown(env));
                System.out.println("wrote section ## maps of " + md);
            }
            System.out.println(figures.json(env));
        } finally {
            Scratch.remove(work);
        }
    }

    /** Warms the JIT up, then alternates C and Java rounds (swapping which goes first) and takes medians. */
    static Figures measure(Path binary) throws IOException, InterruptedException {
        Integer[] keys = new Integer[ENTRIES];
        Long[] values = new Long[ENTRIES];
        for (int i = 0; i < ENTRIES; i++) {
            keys[i] = i;
            values[i] = (long) i;
        }
        List<Integer> keyList = Arrays.asList(keys);
        List<Long> valueList = Arrays.asList(values);
        Samples c = new Samples();
        Samples java = new Samples();
        try (BpfHashMap<Integer, Long> map =
                BpfMaps.create(MapSpec.hash("mbr_bench_java", Layout.U32, Layout.U64, ENTRIES))) {
            long warmStart = System.nanoTime();
            for (int i = 0; i < WARMUP_PASSES; i++) {
                javaPasses(map, keys, values, keyList, valueList, 1);
            }
            System.err.printf(
                    Locale.ROOT,
                    "maps bench: JIT warm-up, %d passes of %,d keys: %d ms%n",
                    WARMUP_PASSES,
                    ENTRIES,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - warmStart));
            for (int round = 0; round < ROUNDS; round++) {
                Map<String, Double> cRound;
                double[] javaRound;
                if (RoundOrder.firstGoesFirst(round)) {
                    cRound = runC(binary);
                    javaRound = javaPasses(map, keys, values, keyList, valueList, PASSES);
                } else {
                    javaRound = javaPasses(map, keys, values, keyList, valueList, PASSES);
                    cRound = runC(binary);
                }
                c.add(cRound.get("update_pass_ns"), cRound.get("lookup_pass_ns"), cRound.get("batch_update_ns"));
                java.add(javaRound[0], javaRound[1], javaRound[2]);
                System.err.printf(
                        Locale.ROOT,
                        "maps bench: round %2d/%d  update %6.0f / %6.0f ns  lookup %6.0f / "
                                + "%6.0f ns  (ours / C per op)  batch %,.0f ns%n",
                        round + 1,
                        ROUNDS,
                        javaRound[0] / ENTRIES,
                        cRound.get("update_pass_ns") / ENTRIES,
                        javaRound[1] / ENTRIES,
                        cRound.get("lookup_pass_ns") / ENTRIES,
                        javaRound[2]);
            }
        }
        return new Figures(
                ENTRIES, ROUNDS, PASSES, java.update(), java.lookup(), java.batch(), c.update(), c.lookup(), c.batch());
    }

    /** {@code passes} timed passes of put, lookup and updateBatch over all keys: the median ns of each. */
    private static double[] javaPasses(
            BpfHashMap<Integer, Long> map,
            Integer[] keys,
            Long[] values,
            List<Integer> keyList,
            List<Long> valueList,
            int passes) {
        double[] update = new double[passes];
        double[] lookup = new double[passes];
        double[] batch = new double[passes];
        long sum = 0;
        for (int p = 0; p < passes; p++) {
            long start = System.nanoTime();
            for (int i = 0; i < keys.length; i++) {
                map.put(keys[i], values[i]);
            }
            update[p] = System.nanoTime() - start;

            start = System.nanoTime();
            for (int i = 0; i < keys.length; i++) {
                sum += map.lookup(keys[i]).orElseThrow();
            }
            lookup[p] = System.nanoTime() - start;

            start = System.nanoTime();
            map.updateBatch(keyList, valueList, UpdateFlag.ANY);
            batch[p] = System.nanoTime() - start;
        }
        sink = sum;
        return new double[] {Stats.median(update), Stats.median(lookup), Stats.median(batch)};
    }

    /** One round of the C baseline in a fresh process: its JSON line as numbers. */
    private static Map<String, Double> runC(Path binary) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(binary.toString(), Integer.toString(ENTRIES), Integer.toString(PASSES))
                .redirectErrorStream(true)
                .start();
        String out = readAll(p.getInputStream());
        if (p.waitFor() != 0) {
            System.err.print(out);
            throw new BenchFailure("the C baseline failed (exit " + p.exitValue() + ")");
        }
        Map<String, Double> figures =
                BenchJson.numbers(out.strip().lines().reduce((a, b) -> b).orElse(""));
        for (String key : List.of("update_pass_ns", "lookup_pass_ns", "batch_update_ns")) {
            if (!figures.containsKey(key)) {
                throw new BenchFailure("the C baseline printed no " + key + ": " + out);
            }
        }
        return figures;
    }

    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Per-round figures of one side, in ns: all keys per pass for update and lookup, one batch for batch. */
    private static final class Samples {
        private final List<Double> update = new ArrayList<>();
        private final List<Double> lookup = new ArrayList<>();
        private final List<Double> batch = new ArrayList<>();

        void add(double updatePass, double lookupPass, double batchNs) {
            update.add(updatePass);
            lookup.add(lookupPass);
            batch.add(batchNs);
        }

        double update() {
            return Stats.median(update);
        }

        double lookup() {
            return Stats.median(lookup);
        }

        double batch() {
            return Stats.median(batch);
        }
    }

    /**
     * The medians, in ns: per pass over all {@code entries} keys for put / lookup and their C loops, per call for
     * updateBatch and the C batch. C's per-op update pass is the baseline of the batch speed-up.
     */
    record Figures(
            int entries,
            int rounds,
            int passes,
            double javaUpdatePassNs,
            double javaLookupPassNs,
            double javaBatchNs,
            double cUpdatePassNs,
            double cLookupPassNs,
            double cBatchNs) {
        /** One operation's share of a pass over all entries. */
        private double perOp(double passNs) {
            return passNs / entries;
        }

        double updateRatio() {
            return javaUpdatePassNs / cUpdatePassNs;
        }

        double lookupRatio() {
            return javaLookupPassNs / cLookupPassNs;
        }

        double batchSpeedup() {
            return cUpdatePassNs / javaBatchNs;
        }

        double batchRatioVsCBatch() {
            return javaBatchNs / cBatchNs;
        }

        boolean updateMet() {
            return updateRatio() <= PER_OP_TARGET;
        }

        boolean lookupMet() {
            return lookupRatio() <= PER_OP_TARGET;
        }

        boolean batchMet() {
            return batchSpeedup() >= BATCH_SPEEDUP_TARGET;
        }

        String markdown(Machine env) {
            StringBuilder md = new StringBuilder();
            md.append(String.format(
                    Locale.ROOT,
                    "%s. BPF_MAP_TYPE_HASH, u32 key, u64 value, %,d entries, all keys per pass. Baseline: a C "
                            + "loop over libbpf (`bench/src/main/c/maps_bench.c`, gcc -O2) in a fresh process per "
                            + "round; ours: `BpfHashMap` after %d warm-up passes, keys and values boxed beforehand. "
                            + "%d rounds alternating C and Java, %d timed passes each; every figure is the median "
                            + "over rounds of each round's median. Regenerate: `bin/membrane bench maps` (main class "
                            + "`io.membrane.bench.maps.MapsBench`).%n%n",
                    env.measured(),
                    entries,
                    WARMUP_PASSES,
                    rounds,
                    passes));
            md.append("| figure | ours | baseline | ratio | target | met |\n");
            md.append("|---|---|---|---|---|---|\n");
            md.append(perOpRow(
                    "update, per op (`put`, BPF_ANY)", "bpf_map_update_elem", javaUpdatePassNs, cUpdatePassNs));
            md.append(perOpRow("lookup, per op (`lookup`)", "bpf_map_lookup_elem", javaLookupPassNs, cLookupPassNs));
            md.append(String.format(
                    Locale.ROOT,
                    "| batch update of %,d entries (`updateBatch`) | %,.0f µs | "
                            + "%,.0f µs (C per-op loop) | %.1f× speed-up | ≥ %.0f× | %s |%n",
                    entries,
                    javaBatchNs / 1e3,
                    cUpdatePassNs / 1e3,
                    batchSpeedup(),
                    BATCH_SPEEDUP_TARGET,
                    BenchmarksFile.yesNo(batchMet())));
            md.append(String.format(
                    Locale.ROOT,
                    "| batch update of %,d entries, against C's batch | %,.0f µs | "
                            + "%,.0f µs (`bpf_map_update_batch`) | %.2f | — | — |%n",
                    entries,
                    javaBatchNs / 1e3,
                    cBatchNs / 1e3,
                    batchRatioVsCBatch()));
            return md.toString();
        }

        /** A table row of one per-op figure against its C call, with the per-op target. */
        private String perOpRow(String figure, String cCall, double javaPassNs, double cPassNs) {
            double ratio = javaPassNs / cPassNs;
            return String.format(
                    Locale.ROOT,
                    "| %s | %,.0f ns | %,.0f ns (`%s`) | %.2f | ≤ %.2f | %s |%n",
                    figure,
                    perOp(javaPassNs),
                    perOp(cPassNs),
                    cCall,
                    ratio,
                    PER_OP_TARGET,
                    BenchmarksFile.yesNo(ratio <= PER_OP_TARGET));
        }

        String json(Machine env) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("bench", "maps");
            o.put("update_ratio_vs_c", Stats.round(updateRatio(), 3));
            o.put("lookup_ratio_vs_c", Stats.round(lookupRatio(), 3));
            o.put("batch_update_speedup_vs_c_per_op", Stats.round(batchSpeedup(), 2));
            o.put("update_target_met", updateMet());
            o.put("lookup_target_met", lookupMet());
            o.put("batch_target_met", batchMet());
            o.put("java_update_ns_per_op", Stats.round(perOp(javaUpdatePassNs), 1));
            o.put("c_update_ns_per_op", Stats.round(perOp(cUpdatePassNs), 1));
            o.put("java_lookup_ns_per_op", Stats.round(perOp(javaLookupPassNs), 1));
            o.put("c_lookup_ns_per_op", Stats.round(perOp(cLookupPassNs), 1));
            o.put("java_batch_update_ns", Math.round(javaBatchNs));
            o.put("c_per_op_update_ns_for_batch", Math.round(cUpdatePassNs));
            o.put("c_batch_update_ns", Math.round(cBatchNs));
            o.put("batch_ratio_vs_c_batch", Stats.round(batchRatioVsCBatch(), 3));
            o.put("per_op_target", PER_OP_TARGET);
            o.put("batch_speedup_target", BATCH_SPEEDUP_TARGET);
            o.put("entries", entries);
            o.put("rounds", rounds);
            o.put("passes", passes);
            env.describe(o);
            return BenchJson.line(o);
        }
    }
}
