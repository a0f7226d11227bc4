package io.membrane.bench.agent;

import static io.membrane.bench.Stats.median;
import static io.membrane.bench.Stats.range;
import static io.membrane.datapath.TestRun.XDP_DROP;

import io.membrane.actors.AgentConfig;
import io.membrane.actors.monitor.EventPump;
import io.membrane.bench.BenchFailure;
import io.membrane.bench.BenchJson;
import io.membrane.bench.Frames;
import io.membrane.bench.RoundOrder;
import io.membrane.datapath.Clang;
import io.membrane.datapath.ConfigHeaders;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.ObjectCache;
import io.membrane.datapath.ObjectLoader;
import io.membrane.datapath.OpenMaps;
import io.membrane.datapath.PerfEventReader;
import io.membrane.datapath.Program;
import io.membrane.datapath.TestRun;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.PerfEventArrayMap;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * Part (b) of {@link AgentBench}: the XDP prefilter emits drop notifications as fast as BPF_PROG_TEST_RUN runs
 * it; the agent's {@link EventPump} and a C consumer over libbpf's perf buffer take turns reading them from the
 * same pinned perf event array (never both at once: a perf buffer takes over the map's slots).
 */
final class PumpBench {
    static final double RATIO_TARGET = 0.7;
    /** Java warm-up rounds before the first scenario (JIT); later scenarios get one. */
    static final int WARMUP = 3;
    /** Runs per BPF_PROG_TEST_RUN call of a producer thread: one notification each. */
    static final int REPEAT = 1_000;
    /** Never reached: every run of the prefilter sends its drop notification. */
    static final int UNLIMITED_BUDGET = 2_000_000_000;

    static final int DENIED_SOURCE = 0x0a4d0001; // 10.77.0.1, in 10.77.0.0/31
    static final int DESTINATION = 0x0a4d0002;
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private PumpBench() {}

    /**
     * One consumer round; times in ns from the first emission. {@code kernelLost} is what the kernel reported
     * lost (PERF_RECORD_LOST); the kernel reports a loss only with the next sample that fits into that CPU's
     * ring, so losses at the end of a round can stay unreported: {@link #lost()} counts every emitted event that
     * was not delivered.
     */
    record Round(
            long emitted,
            long delivered,
            long kernelLost,
            long producerNanos,
            long lastDeliveryNanos,
            long consumerCpuNanos) {
        long lost() {
            return emitted - delivered;
        }

        double eventsPerSecond() {
            return lastDeliveryNanos <= 0 ? 0 : delivered * 1e9 / lastDeliveryNanos;
        }

        double producerEventsPerSecond() {
            return emitted * 1e9 / producerNanos;
        }

        /** From the producer's last run returning to the last delivery (negative: the event was there first). */
        double lagMs() {
            return (lastDeliveryNanos - producerNanos) / 1e6;
        }

        /** CPU time (user + system) the consumer spent per event it delivered. */
        double cpuNanosPerEvent() {
            return delivered == 0 ? 0 : (double) consumerCpuNanos / delivered;
        }
    }

    /** One consumer's rounds of a scenario (Java's or C's), and the medians and sums the report shows of them. */
    record Side(List<Round> rounds) {
        private double medianOf(ToDoubleFunction<Round> f) {
            return median(rounds.stream().mapToDouble(f).toArray());
        }

        double rate() {
            return medianOf(Round::eventsPerSecond);
        }

        double producerRate() {
            return medianOf(Round::producerEventsPerSecond);
        }

        double cpuPerEvent() {
            return medianOf(Round::cpuNanosPerEvent);
        }

        double lagMs() {
            return medianOf(Round::lagMs);
        }

        long lost() {
            return rounds.stream().mapToLong(Round::lost).sum();
        }

        long lossyRounds() {
            return rounds.stream().filter(r -> r.lost() > 0).count();
        }
    }

    /** One scenario (a number of producer threads): its measured rounds, Java and C, and Java's warm-up. */
    record Figures(
            int producers,
            int events,
            int rounds,
            int pagesPerCpu,
            int pinnedCpu,
            long prefilterNoReaderNs,
            Side java,
            Side c,
            Side javaWarmup) {
        private double[] roundRatios() {
            double[] r = new double[java.rounds().size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = java.rounds().get(i).eventsPerSecond()
                        / Math.max(1e-9, c.rounds().get(i).eventsPerSecond());
            }
            return r;
        }

        /** The median of the rounds' Java / C events per second (the two consumers of a round back to back). */
        double ratio() {
            return median(roundRatios());
        }

        double[] ratioRange() {
            return range(roundRatios());
        }

        /** Both consumers lost nothing and delivered their last event within 5 ms of the producer's end. */
        boolean producerBound() {
            return java.lost() == 0 && c.lost() == 0 && java.lagMs() < 5 && c.lagMs() < 5;
        }

        boolean met() {
            return ratio() >= RATIO_TARGET && java.lost() == 0;
        }
    }

    static List<Figures> measure(AgentBench.Settings s, Path work, Path pinRoot, Path cBinary) throws Exception {
        int pages =
                s.pages() > 0 ? s.pages() : AgentConfig.load(Optional.empty()).pagesPerCpu(); // default: the agent's
        DatapathMaps maps = new DatapathMaps(new DatapathMaps.Sizes(1024, 1024, 1024, 256, 1024, 1024, 256));
        PinnedMaps pins = PinnedMaps.at(pinRoot);
        try (OpenMaps opened = OpenMaps.openOrCreate(pins, maps, DatapathMaps.Source.BPF_XDP)) {
            PerfEventArrayMap events = opened.get(DatapathMaps.EVENTS);
            LpmTrieMap<Ipv4Prefix, PrefilterFlag> dyn = opened.get(DatapathMaps.CIDR4_DYN);
            Path headers = Files.createDirectories(work.resolve("pump-include"));
            ConfigHeaders.writeNode(
                    headers, maps, new ConfigHeaders.Node(Optional.empty(), true, true, UNLIMITED_BUDGET, false));
            ObjectLoader loader = new ObjectLoader(
                    new ObjectCache(work.resolve("cache"), new Clang()),
                    s.root().resolve("bpf"));
            try (ObjectLoader.Loaded xdp =
                    loader.load("bpf_xdp.c", List.of(headers), opened.all(), DatapathMaps.PREFILTER_LAYOUTS)) {
                Program prefilter = xdp.program("xdp_prefilter");
                dyn.put(new Ipv4Prefix(DENIED_SOURCE, 31), PrefilterFlag.DENY);
                byte[] frame = Frames.tcp(DENIED_SOURCE, DESTINATION, 40112, 8080, Frames.TH_SYN);
                TestRun.Result alone = TestRun.run(prefilter, frame, 100_000); // no reader: no slot, no output
                if (alone.returnCode() != XDP_DROP) {
                    throw new BenchFailure("the prefilter returned " + alone.returnCode()
                            + " for the denied source, expected XDP_DROP");
                }
                List<Figures> out = new ArrayList<>();
                for (AgentBench.Scenario sc : s.scenarios()) {
                    Consumers consumers = new Consumers(
                            events, pins.pathOf(maps.spec(DatapathMaps.EVENTS)), pages, cBinary, sc.pinConsumer());
                    out.add(scenario(
                            consumers,
                            new Producer(prefilter, frame, sc.producers()),
                            roundUp(s.events(), REPEAT * sc.producers()),
                            s.rounds(),
                            out.isEmpty() ? WARMUP : 1,
                            alone.nanosPerRun()));
                }
                return out;
            }
        } finally {
            pins.removeAll();
        }
    }

    private static Figures scenario(
            Consumers consumers, Producer producer, int events, int rounds, int warmup, long aloneNs) throws Exception {
        System.err.printf(
                Locale.ROOT,
                "agent bench: pump, %d producer thread(s): %,d events per round, %d pages "
                        + "per CPU%s; the prefilter alone (no reader) %d ns per run%n",
                producer.threads,
                events,
                consumers.pages,
                consumers.pin >= 0 ? ", consumers pinned to CPU " + consumers.pin : "",
                aloneNs);
        List<Round> warm = new ArrayList<>();
        for (int i = 0; i < warmup; i++) {
            Round j = consumers.java(producer, events);
            warm.add(j);
            System.err.printf(
                    Locale.ROOT,
                    "agent bench: pump warm-up %d/%d  Java %,9.0f events/s  lost %,d%n",
                    i + 1,
                    warmup,
                    j.eventsPerSecond(),
                    j.lost());
        }
        consumers.c(producer, events); // warms the binary and the producer threads' path alike
        List<Round> java = new ArrayList<>();
        List<Round> c = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            Round j;
            Round k;
            if (RoundOrder.firstGoesFirst(round)) {
                k = consumers.c(producer, events);
                j = consumers.java(producer, events);
            } else {
                j = consumers.java(producer, events);
                k = consumers.c(producer, events);
            }
            java.add(j);
            c.add(k);
            System.err.printf(
                    Locale.ROOT,
                    "agent bench: pump round %2d/%d  Java %,9.0f events/s (lost %,d, lag "
                            + "%.1f ms, %,.0f ns CPU/event)  C %,9.0f events/s (lost %,d, lag %.1f ms, %,.0f ns "
                            + "CPU/event)  producer %,.0f / %,.0f events/s%n",
                    round + 1,
                    rounds,
                    j.eventsPerSecond(),
                    j.lost(),
                    j.lagMs(),
                    j.cpuNanosPerEvent(),
                    k.eventsPerSecond(),
                    k.lost(),
                    k.lagMs(),
                    k.cpuNanosPerEvent(),
                    j.producerEventsPerSecond(),
                    k.producerEventsPerSecond());
        }
        return new Figures(
                producer.threads,
                events,
                rounds,
                consumers.pages,
                consumers.pin,
                aloneNs,
                new Side(java),
                new Side(c),
                new Side(warm));
    }

    static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }

    /** The two consumers of the bench's events map, one round each at a time. */
    private record Consumers(PerfEventArrayMap events, Path pinned, int pages, Path cBinary, int pin) {
        /**
         * The agent's pump with its default options on the events map. Each delivery's time is noted after the
         * pump decoded and published it, and the pump thread's CPU time when it closes its source.
         */
        Round java(Producer producer, int emitted) throws Exception {
            long[] noted = new long[2]; // written by the pump thread, read after close() joined it
            EventPump.SourceFactory perf = EventPump.perfSource(events, pages);
            EventPump.SourceFactory timed = listener -> {
                EventPump.Source source = perf.open(new PerfEventReader.Listener() {
                    @Override
                    public void onSample(int cpu, byte[] data) {
                        listener.onSample(cpu, data);
                        noted[0] = System.nanoTime();
                    }

                    @Override
                    public void onLost(int cpu, long count) {
                        listener.onLost(cpu, count);
                    }
                });
                return new EventPump.Source() {
                    private boolean pinned;

                    @Override
                    public void poll(int timeoutMs) throws Exception {
                        if (!pinned && pin >= 0) {
                            AgentBench.Affinity.pinCurrentThread(pin);
                            pinned = true;
                        }
                        source.poll(timeoutMs);
                    }

                    @Override
                    public void close() throws Exception {
                        noted[1] = THREADS.getCurrentThreadCpuTime(); // the thread began with the round
                        source.close();
                    }
                };
            };
            EventPump pump = EventPump.start(timed, EventPump.Options.DEFAULT.withThreadName("mbr-bench-pump"));
            Producer.Run run;
            try {
                run = producer.run(emitted);
                long seen = -1;
                long idleSince = System.nanoTime();
                while (true) {
                    EventPump.Counters c = pump.counters();
                    long now = c.samples() + c.lost();
                    if (now >= emitted) {
                        break;
                    }
                    if (now != seen) {
                        seen = now;
                        idleSince = System.nanoTime();
                    } else if (System.nanoTime() - idleSince > IDLE_NANOS) {
                        break; // what is missing now was lost at the end of the round, unreported
                    }
                    Thread.sleep(1);
                }
            } finally {
                pump.close();
            }
            EventPump.Counters c = pump.counters();
            if (c.decodeErrors() > 0 || c.drops() != c.samples()) {
                throw new BenchFailure("the pump decoded " + c.drops() + " drops of " + c.samples() + " samples ("
                        + c.decodeErrors() + " decode errors: " + pump.lastDecodeError() + ")");
            }
            return new Round(
                    emitted, c.drops(), c.lost(), run.nanos(), noted[0] == 0 ? 0 : noted[0] - run.start(), noted[1]);
        }

        /** The C consumer in a fresh process: waits for its "ready", drives the producer, reads its JSON line. */
        Round c(Producer producer, int emitted) throws Exception {
            Process p = new ProcessBuilder(
                            cBinary.toString(),
                            pinned.toString(),
                            Integer.toString(pages),
                            Integer.toString(emitted),
                            "60000",
                            Long.toString(TimeUnit.NANOSECONDS.toMillis(IDLE_NANOS)),
                            Integer.toString(pin))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String ready = out.readLine();
                if (!"ready".equals(ready)) {
                    p.waitFor(5, TimeUnit.SECONDS);
                    throw new BenchFailure("the C consumer did not start (it said " + ready + ")");
                }
                Producer.Run run = producer.run(emitted);
                String json = out.readLine();
                if (!p.waitFor(70, TimeUnit.SECONDS) || p.exitValue() != 0 || json == null) {
                    throw new BenchFailure("the C consumer failed: " + json);
                }
                Map<String, Double> f = BenchJson.numbers(json);
                long samples = f.getOrDefault("samples", 0.0).longValue();
                long drops = f.getOrDefault("drops", 0.0).longValue();
                if (f.getOrDefault("decode_errors", 0.0) > 0 || drops != samples) {
                    throw new BenchFailure("the C consumer decoded " + drops + " drops of " + samples + " samples");
                }
                long last = f.getOrDefault("last_ns", 0.0).longValue();
                return new Round(
                        emitted,
                        drops,
                        f.getOrDefault("lost", 0.0).longValue(),
                        run.nanos(),
                        last == 0 ? 0 : last - run.start(),
                        f.getOrDefault("cpu_ns", 0.0).longValue());
            } finally {
                p.destroy();
            }
        }
    }

    /**
     * Runs the prefilter with BPF_PROG_TEST_RUN from {@code threads} platform threads, {@link #REPEAT} runs per
     * call; each run sends its notification into the ring of the CPU the thread is on.
     */
    static final class Producer {
        /** When the threads were released (System.nanoTime) and how long until the last one finished. */
        record Run(long start, long nanos) {}

        private final Program program;
        private final byte[] frame;
        final int threads;

        Producer(Program program, byte[] frame, int threads) {
            this.program = program;
            this.frame = frame;
            this.threads = threads;
        }

        /** Emits {@code events} notifications (a multiple of REPEAT × threads) and returns when all are sent. */
        Run run(int events) throws InterruptedException {
            int calls = events / (REPEAT * threads);
            CountDownLatch go = new CountDownLatch(1);
            long[] ends = new long[threads];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> started = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                Thread th = new Thread(
                        () -> {
                            try {
                                go.await();
                                for (int i = 0; i < calls; i++) {
                                    int rc = TestRun.run(program, frame, REPEAT).returnCode();
                                    if (rc != XDP_DROP) {
                                        throw new BenchFailure("a producer's prefilter run returned " + rc);
                                    }
                                }
                                ends[id] = System.nanoTime();
                            } catch (Throwable e) {
                                failure.compareAndSet(null, e);
                            }
                        },
                        "mbr-bench-producer-" + t);
                started.add(th);
                th.start();
            }
            Thread.sleep(5); // every producer waits at the latch
            long start = System.nanoTime();
            go.countDown();
            for (Thread th : started) {
                th.join();
            }
            if (failure.get() != null) {
                throw new BenchFailure("a producer failed: " + failure.get());
            }
            return new Run(start, Arrays.stream(ends).max().orElseThrow() - start);
        }
    }
}
