package io.membrane.bench.agent;

import io.membrane.bench.BenchArgs;
import io.membrane.bench.BenchFailure;
import io.membrane.bench.BenchmarksFile;
import io.membrane.bench.CBaseline;
import io.membrane.bench.Scratch;
import io.membrane.maps.PinnedMaps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code bin/membrane bench agent}: measures the agent end to end in one run, each figure against a baseline
 * measured in the same run. (a) An in-process agent ({@link io.membrane.actors.AgentNode}, pins under
 * {@code /sys/fs/bpf/mbr-bench-agent-PID}) takes a PATCH /v1/prefilter of 10,000 IPv4 CIDRs over HTTP, timed until
 * the 200 is back and the last CIDR reads back from the pinned map, against the same CIDRs written straight
 * through the maps layer; the real XDP prefilter (BPF_PROG_TEST_RUN on the agent's maps) is checked to drop
 * them, and they are deleted between rounds ({@link PatchBench}). (b) The XDP prefilter, compiled with an
 * unlimited notification budget, runs under BPF_PROG_TEST_RUN with repeat on a frame from a denied source, so
 * every run writes a drop notification into a pinned perf event array; the agent's
 * {@link io.membrane.actors.monitor.EventPump} at the agent's default ring size decodes them, in rounds
 * alternating with a C consumer over libbpf's perf buffer ({@code bench/src/main/c/pump_bench.c}, compiled here
 * with gcc -O2) driven by the same producer: from one producer thread, then from one per CPU, then again with
 * both consumers pinned to CPU 0 ({@link PumpBench}). Rounds are interleaved, warm-up rounds come first and figures are medians; it replaces
 * the {@code ## agent} section of BENCHMARKS.md and prints one JSON object as its last line of output. Usage:
 * {@code AgentBench [project-root] [--rounds N] [--events N] [--no-write]}; for investigation, {@code --producers N},
 * {@code --pin-consumer CPU} (one pump scenario instead of the default three), {@code --pages N} (a ring size
 * other than the agent's default) and {@code --only patch|pump} print their figures without writing
 * BENCHMARKS.md.
 */
public final class AgentBench {
    static final int DEFAULT_ROUNDS = 9;
    static final int DEFAULT_EVENTS = 100_000;
    static final String C_SOURCE = "bench/src/main/c/pump_bench.c";

    private AgentBench() {}

    /**
     * A pump scenario: how many producer threads, and the CPU both consumers are pinned to (-1: the scheduler
     * decides, as for the agent).
     */
    record Scenario(int producers, int pinConsumer) {
        /** 1 producer; one per CPU; one per CPU with the consumers pinned to CPU 0. */
        static List<Scenario> defaults() {
            int perCpu = Math.max(2, Runtime.getRuntime().availableProcessors());
            return List.of(new Scenario(1, -1), new Scenario(perCpu, -1), new Scenario(perCpu, 0));
        }
    }

    /**
     * Command-line settings.
     *
     * @param scenarios the pump scenarios in order; the first is the headline
     * @param only      "patch", "pump" or "" (both)
     */
    record Settings(
            Path root, int rounds, int events, List<Scenario> scenarios, int pages, boolean write, String only) {
        static Settings parse(String[] args) {
            Path root = Path.of(".");
            int rounds = DEFAULT_ROUNDS;
            int events = DEFAULT_EVENTS;
            int producers = 0;
            int pin = -1;
            int pages = 0;
            boolean write = true;
            String only = "";
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--rounds" -> rounds = number(args, ++i, 1);
                    case "--events" -> events = number(args, ++i, 1);
                    case "--producers" -> {
                        producers = number(args, ++i, 1);
                        write = false;
                    }
                    case "--pin-consumer" -> {
                        pin = number(args, ++i, 0);
                        write = false;
                    }
                    case "--pages" -> {
                        pages = number(args, ++i, 1);
                        if (Integer.bitCount(pages) != 1) {
                            throw new BenchFailure("--pages must be a power of two, was " + pages);
                        }
                        write = false;
                    }
                    case "--no-write" -> write = false;
                    case "--only" -> {
                        only = ++i < args.length ? args[i] : "";
                        if (!only.equals("patch") && !only.equals("pump")) {
                            throw new BenchFailure("--only takes patch or pump");
                        }
                        write = false;
                    }
                    default -> {
                        if (args[i].startsWith("--")) {
                            throw new BenchFailure("unknown option " + args[i] + " (expected --rounds N, --events N, "
                                    + "--producers N, --pin-consumer CPU, --pages N, --no-write, --only patch|pump)");
                        }
                        root = Path.of(args[i]);
                    }
                }
            }
            List<Scenario> scenarios = producers == 0 && pin < 0
                    ? Scenario.defaults()
                    : List.of(new Scenario(Math.max(1, producers), pin));
            return new Settings(root.toAbsolutePath().normalize(), rounds, events, scenarios, pages, write, only);
        }

        private static int number(String[] args, int i, int min) {
            if (i >= args.length) {
                throw new BenchFailure(args[i - 1] + " needs a number");
            }
            try {
                int v = Integer.parseInt(args[i]);
                if (v < min) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw new BenchFailure(args[i - 1] + ": '" + args[i] + "' is not a number >= " + min);
            }
        }
    }

    public static void main(String[] args) {
        BenchArgs.runThenExit("agent bench", () -> run(Settings.parse(args)));
    }

    static void run(Settings s) throws Exception {
        Path cSource = s.root().resolve(C_SOURCE);
        if (!Files.isRegularFile(cSource)) {
            throw new BenchFailure("no " + C_SOURCE + " under " + s.root() + ": pass the project root as the argument");
        }
        Path pinBase =
                Path.of("/sys/fs/bpf/mbr-bench-agent-" + ProcessHandle.current().pid());
        Path work = Scratch.create("agent");
        AtomicBoolean cleaned = new AtomicBoolean();
        Runnable cleanup = () -> {
            if (cleaned.compareAndSet(false, true)) {
                removePins(pinBase);
                Scratch.remove(work);
            }
        };
        Thread hook = new Thread(cleanup, "mbr-bench-agent-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Path binary = CBaseline.compile(cSource, work);
            PatchBench.Figures patch =
                    s.only().equals("pump") ? null : PatchBench.measure(s, work, pinBase.resolve("agent"));
            List<PumpBench.Figures> pump =
                    s.only().equals("patch") ? List.of() : PumpBench.measure(s, work, pinBase.resolve("pump"), binary);
            if (patch == null || pump.isEmpty()) {
                return; // a partial run for investigation: its figures are on stderr
            }
            AgentBenchReport report = new AgentBenchReport(patch, pump, AgentBenchReport.Environment.current());
            if (s.write()) {
                Path md = s.root().resolve("BENCHMARKS.md");
                BenchmarksFile.writeSection(md, "agent", report.markdown());
                System.out.println("wrote section ## agent of " + md);
            }
            System.out.println(report.json());
        } finally {
            cleanup.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already: the hook runs and finds nothing left to do
            }
        }
    }

    private static void removePins(Path base) {
        if (Files.exists(base)) {
            try {
                PinnedMaps.at(base).removeAll();
            } catch (RuntimeException e) {
                System.err.println("agent bench: could not remove " + base + ": " + e.getMessage());
            }
        }
    }

    /** Pins the calling thread to one CPU (investigation only: {@code --pin-consumer}). */
    public interface Affinity {
        int sched_setaffinity(int pid, @jnr.ffi.types.size_t long size, long[] mask);

        static void pinCurrentThread(int cpu) {
            Affinity libc = jnr.ffi.LibraryLoader.create(Affinity.class).load("c");
            long[] mask = new long[cpu / 64 + 1];
            mask[cpu / 64] = 1L << (cpu % 64);
            if (libc.sched_setaffinity(0, mask.length * 8L, mask) != 0) {
                throw new BenchFailure("sched_setaffinity to CPU " + cpu + " failed");
            }
        }
    }
}
