package io.membrane.bench.cli;

import com.typesafe.config.ConfigFactory;
import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.bench.BenchArgs;
import io.membrane.bench.BenchFailure;
import io.membrane.bench.BenchJson;
import io.membrane.bench.BenchmarksFile;
import io.membrane.bench.Machine;
import io.membrane.bench.Percentiles;
import io.membrane.bench.Stats;
import io.membrane.maps.PinnedMaps;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/membrane bench cli}: how long a client command takes as people run it — {@code bin/membrane status}
 * as a fresh process (the script's staleness check, the JVM's start with the build's class-data archive, the
 * request, the output) against a running agent, next to {@code bpftool map show} (a native client of the same
 * kernel objects) as the baseline, the two alternating in the same run. The agent is in-process
 * ({@link AgentNode}, no devices, pins under {@code /sys/fs/bpf/mbr-bench-cli-PID}, the API on a free port);
 * one warm-up run of each first. Replaces the {@code ## cli} section of BENCHMARKS.md (unless {@code --no-write})
 * and prints one JSON object as its last line. Usage: {@code CliBench [project-root] [--runs N] [--no-write]}.
 */
public final class CliBench {
    static final int DEFAULT_RUNS = 21;
    static final double TARGET_MS = 500;

    private CliBench() {}

    record Settings(Path root, int runs, boolean write) {
        static Settings parse(String[] args) {
            Path root = Path.of(".");
            int runs = DEFAULT_RUNS;
            boolean write = true;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--runs" -> {
                        try {
                            runs = Integer.parseInt(++i < args.length ? args[i] : "");
                        } catch (NumberFormatException e) {
                            runs = 0;
                        }
                        if (runs < 1) {
                            throw new BenchFailure("--runs needs a number >= 1");
                        }
                    }
                    case "--no-write" -> write = false;
                    default -> {
                        if (args[i].startsWith("--")) {
                            throw new BenchFailure("unknown option " + args[i] + " (expected --runs N, --no-write)");
                        }
                        root = Path.of(args[i]);
                    }
                }
            }
            return new Settings(root.toAbsolutePath().normalize(), runs, write);
        }
    }

    /** Wall times in milliseconds of the runs of one command. */
    record Times(double[] ms) {
        double median() {
            return Percentiles.of(ms, 50);
        }

        double p90() {
            return Percentiles.of(ms, 90);
        }
    }

    public static void main(String[] args) {
        BenchArgs.runThenExit("cli bench", () -> run(Settings.parse(args)));
    }

    static void run(Settings s) throws Exception {
        Path script = s.root().resolve("bin/membrane");
        if (!Files.isExecutable(script)) {
            throw new BenchFailure(script + " not found: give the project root as the first argument");
        }
        PinnedMaps pins = PinnedMaps.at(Path.of(
                "/sys/fs/bpf", "mbr-bench-cli-" + ProcessHandle.current().pid()));
        Path runDir = Files.createTempDirectory("mbr-bench-cli");
        AgentNode agent = AgentNode.start(config(s.root(), pins.root(), runDir));
        try {
            List<String> status = List.of(script.toString(), "status", "--api", agent.apiBase());
            List<String> bpftool = List.of("bpftool", "map", "show");
            time(status, true);
            time(bpftool, false);
            double[] ours = new double[s.runs()];
            double[] baseline = new double[s.runs()];
            for (int i = 0; i < s.runs(); i++) {
                // Alternating which goes first, so neither always runs right after the other's exit.
                if (i % 2 == 0) {
                    ours[i] = time(status, true);
                    baseline[i] = time(bpftool, false);
                } else {
                    baseline[i] = time(bpftool, false);
                    ours[i] = time(status, true);
                }
            }
            report(s, new Times(ours), new Times(baseline));
        } finally {
            agent.close();
            pins.removeAll();
        }
    }

    private static AgentConfig config(Path root, Path pinRoot, Path runDir) {
        String text = "membrane { pin-root = \"" + pinRoot + "\", run-dir = \"" + runDir + "\", bpf-dir = \""
                + root.resolve("bpf") + "\", api.port = 0, devices = [] }";
        return AgentConfig.from(ConfigFactory.parseString(text)
                .withFallback(ConfigFactory.defaultReference())
                .resolve());
    }

    /** One run of {@code command}, in ms; a failed run (or, for ours, one without the status) stops the bench. */
    private static double time(List<String> command, boolean isOurs) throws IOException, InterruptedException {
        Path out = Files.createTempFile("mbr-bench-cli", ".out");
        try {
            ProcessBuilder pb =
                    new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
            long start = System.nanoTime();
            int code = pb.start().waitFor();
            double ms = (System.nanoTime() - start) / 1e6;
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (code != 0 || (isOurs && !text.startsWith("Prefilter:"))) {
                throw new BenchFailure(String.join(" ", command) + " exited " + code + ": " + text.strip());
            }
            return ms;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static void report(Settings s, Times ours, Times baseline) throws IOException {
        Machine machine = Machine.current();
        double ratio = ours.median() / baseline.median();
        boolean met = ours.median() <= TARGET_MS;
        String md = String.format(
                "Measured %s on Linux %s, %d CPUs, JDK %s. Regenerate: `bin/membrane bench cli` (main "
                        + "class `io.membrane.bench.cli.CliBench`, a few seconds).%n%n"
                        + "*Ours*: `bin/membrane status --api …` as a fresh process against a running agent (in-process "
                        + "`AgentNode`, no devices): the script's staleness check, the JVM's start with the class-data "
                        + "archive the build makes (`cluster/target/cli.jsa`), the request over the agent's unix socket, the output. "
                        + "*Baseline*: `bpftool map show`. %d runs of each, alternating, after one warm-up run of each; "
                        + "wall time from the process's start to its exit. The machine may be shared with other work: "
                        + "both columns are measured under the same load.%n%n"
                        + "| figure | ours | baseline | ratio | target | met |%n|---|---|---|---|---|---|%n"
                        + "| client command, median | %.0f ms | %.1f ms | %.0f | ≤ %.0f ms | %s |%n"
                        + "| client command, p90 | %.0f ms | %.1f ms | — | — | — |%n",
                machine.date(),
                machine.kernel(),
                machine.cpus(),
                machine.jdk(),
                s.runs(),
                ours.median(),
                baseline.median(),
                ratio,
                TARGET_MS,
                met ? "yes" : "no",
                ours.p90(),
                baseline.p90());
        if (s.write()) {
            BenchmarksFile.writeSection(s.root().resolve("BENCHMARKS.md"), "cli", md);
        }
        System.out.print(md);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("bench", "cli");
        json.put("runs", s.runs());
        json.put("status_median_ms", round1(ours.median()));
        json.put("status_p90_ms", round1(ours.p90()));
        json.put("bpftool_median_ms", round1(baseline.median()));
        json.put("bpftool_p90_ms", round1(baseline.p90()));
        json.put("ratio_vs_bpftool", round1(ratio));
        json.put("target_ms", TARGET_MS);
        json.put("target_met", met);
        json.put(
                "load_average_1m",
                round1(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        System.out.println(BenchJson.line(json));
    }

    private static double round1(double v) {
        return Stats.round(v, 1);
    }
}
