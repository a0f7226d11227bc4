package io.membrane.bench.agent;

import static io.membrane.bench.Stats.round;

import io.membrane.bench.BenchJson;
import io.membrane.bench.BenchmarksFile;
import io.membrane.bench.CBaseline;
import io.membrane.bench.Machine;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code ## agent} section of BENCHMARKS.md and the JSON line, from the figures of one run of
 * {@link AgentBench}. The first pump scenario is the headline ({@code pump_*}); each further one is reported
 * with its number of producers in its keys ({@code pump_2p_*}).
 */
record AgentBenchReport(PatchBench.Figures patch, List<PumpBench.Figures> pump, Environment env) {
    /** Where the figures were measured: the machine and the gcc that built the C consumer. */
    record Environment(Machine machine, String gcc) {
        static Environment current() throws IOException, InterruptedException {
            return new Environment(Machine.current(), CBaseline.gccVersion());
        }
    }

    PumpBench.Figures headline() {
        return pump.get(0);
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append(f(
                "%s. Regenerate: `bin/membrane bench agent` (main class `io.membrane.bench.agent.AgentBench`, "
                        + "about a minute).%n%n",
                env.machine().measured("gcc " + env.gcc())));
        patchSection(md);
        pumpSection(md);
        md.append("JSON of this run:\n\n").append(json()).append('\n');
        return md.toString();
    }

    private void patchSection(StringBuilder md) {
        PatchBench.Figures p = patch;
        md.append("### PATCH /v1/prefilter of 10,000 CIDRs\n\n");
        md.append(f(
                "An in-process agent (`AgentNode`: the whole actor tree and the admin API, no devices, CIDR maps "
                        + "of 32,768) gets one PATCH with %,d distinct IPv4 CIDRs (%,d /32s for the exact-address hash, "
                        + "%,d shorter ones for the LPM trie; fixed seed, shuffled). *Ours*: from sending the request "
                        + "(HTTP/1.1, loopback) until the 200 is back and the last CIDR of the list reads back from "
                        + "the agent's pinned map. *Baseline*: the same CIDRs written straight through the maps layer "
                        + "(`put` per entry, as the Prefilter actor writes them) into unpinned maps of the same shape, "
                        + "until the last reads back. Every round then DELETEs them both ways, and checks with "
                        + "BPF_PROG_TEST_RUN of `xdp_prefilter` on the agent's maps that a source in the first and in "
                        + "the last CIDR is dropped, 192.0.2.1 passes, and after the DELETE the last passes again; in "
                        + "the first measured round a source in each of the %,d CIDRs was checked dropped. %d warm-up "
                        + "rounds, then %d, order alternating; medians, and the median of the rounds' ratios (range "
                        + "in parentheses).%n%n",
                p.cidrs(), p.hosts(), p.cidrs() - p.hosts(), p.verifiedDropped(), p.warmup(), p.rounds()));
        double[] r = p.ratioRange();
        md.append("| figure | ours | baseline | ratio | target | met |\n|---|---|---|---|---|---|\n");
        md.append(f(
                "| PATCH of %,d CIDRs until enforced | %.1f ms (slowest round %.1f) | %.1f ms (maps layer) | "
                        + "%.2f (%.2f–%.2f) | ≤ %.0f ms | %s |%n",
                p.cidrs(),
                p.patch(),
                p.maxPatch(),
                p.direct(),
                p.ratio(),
                r[0],
                r[1],
                PatchBench.TARGET_MS,
                BenchmarksFile.yesNo(p.met())));
        md.append(f(
                "| the same, first PATCH of the fresh agent (cold JIT; a warm-up round) | %.1f ms | — | — | — | "
                        + "— |%n",
                p.coldPatchMs()));
        md.append(f(
                "| DELETE of the same %,d | %.1f ms | %.1f ms (maps layer) | %.2f | — | — |%n%n",
                p.cidrs(), p.delete(), p.directDelete(), p.delete() / p.directDelete()));
    }

    private void pumpSection(StringBuilder md) {
        PumpBench.Figures h = headline();
        md.append("### Event pump against a C consumer\n\n");
        md.append(f(
                "Producer: `xdp_prefilter` (`bpf_xdp.c` compiled with an unlimited notification budget) under "
                        + "BPF_PROG_TEST_RUN, repeat %,d per call, on a TCP SYN from a denied source, so every run "
                        + "sends one 64-byte drop notification (80 bytes in the ring) into a pinned perf event array; "
                        + "%,d per round. *Ours*: the agent's `EventPump` (default options) over libbpf's perf buffer "
                        + "with the agent's default %d pages per CPU: copy, decode to `Notification.Drop`, count, "
                        + "recent ring. *Baseline*: `bench/src/main/c/pump_bench.c` (gcc -O2, a fresh process per "
                        + "round): the same `perf_buffer__new` with %d pages, a copy and a field-by-field decode. One "
                        + "reader owns the map at a time (the pump is closed before C starts); the producer starts "
                        + "once the consumer is ready. Events per second = events delivered / (first emission to last "
                        + "delivery), both on CLOCK_MONOTONIC; lost = emitted − delivered (the kernel reports a loss "
                        + "only with the next sample that fits, so losses at the end of a round go unreported); CPU "
                        + "per event = the consumer thread's (Java) or process's (C) user + system time / events "
                        + "delivered. %d Java warm-up rounds first (lost there: %,d of %,d), then rounds alternating "
                        + "C and Java; medians, and the median of the rounds' ratios (range in parentheses). With no "
                        + "reader on the map the prefilter takes %d ns per run.%n%n",
                PumpBench.REPEAT,
                h.events(),
                h.pagesPerCpu(),
                h.pagesPerCpu(),
                h.javaWarmup().rounds().size(),
                h.javaWarmup().lost(),
                (long) h.events() * h.javaWarmup().rounds().size(),
                h.prefilterNoReaderNs()));
        md.append("| producers | figure | ours (EventPump) | baseline (C) | ratio | target | met |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < pump.size(); i++) {
            PumpBench.Figures s = pump.get(i);
            boolean head = i == 0;
            double[] r = s.ratioRange();
            String who = label(s);
            md.append(f(
                    "| %s | events delivered per second | %,.0f | %,.0f | %.2f (%.2f–%.2f) | %s | %s |%n",
                    who,
                    s.java().rate(),
                    s.c().rate(),
                    s.ratio(),
                    r[0],
                    r[1],
                    head ? f("≥ %.1f", PumpBench.RATIO_TARGET) : "—",
                    head ? BenchmarksFile.yesNo(s.ratio() >= PumpBench.RATIO_TARGET) : "—"));
            md.append(f(
                    "| %s | events lost, %d rounds × %,d | %,d (in %s) | %,d (in %s) | — | %s | %s |%n",
                    who,
                    s.rounds(),
                    s.events(),
                    s.java().lost(),
                    rounds(s.java().lossyRounds()),
                    s.c().lost(),
                    rounds(s.c().lossyRounds()),
                    head ? "0" : "—",
                    head ? BenchmarksFile.yesNo(s.java().lost() == 0) : "—"));
            md.append(f(
                    "| %s | consumer CPU per event | %,.0f ns | %,.0f ns | %.2f | — | — |%n",
                    who, s.java().cpuPerEvent(), s.c().cpuPerEvent(), s.java().cpuPerEvent() / s.c().cpuPerEvent()));
            md.append(f(
                    "| %s | producer's rate while this consumer reads | %,.0f events/s | %,.0f events/s | — | — | "
                            + "— |%n",
                    who, s.java().producerRate(), s.c().producerRate()));
            md.append(f(
                    "| %s | last delivery after the producer's last run returned | %.2f ms | %.2f ms | — | — | — "
                            + "|%n",
                    who, s.java().lagMs(), s.c().lagMs()));
        }
        md.append('\n');
        md.append(verdict(h)).append("\n\n");
        for (int i = 1; i < pump.size(); i++) {
            md.append(pump.get(i).pinnedCpu() >= 0 ? pinned(pump.get(i), pump.get(i - 1)) : stress(pump.get(i)))
                    .append("\n\n");
        }
    }

    static String label(PumpBench.Figures s) {
        return s.producers()
                + (s.producers() == 1 ? " thread" : " threads")
                + (s.pinnedCpu() >= 0 ? ", consumers pinned to CPU " + s.pinnedCpu() : "");
    }

    static String key(PumpBench.Figures s) {
        return "pump_" + s.producers() + "p_" + (s.pinnedCpu() >= 0 ? "pinned_" : "");
    }

    /** Who set the pace in the headline scenario, and what the losses (if any) mean. */
    static String verdict(PumpBench.Figures h) {
        String threads = h.producers() + " producer thread" + (h.producers() == 1 ? "" : "s");
        String paced = f(
                "the producer set the pace: the consumers had each round's last event %.2f ms (Java) and "
                        + "%.2f ms (C) after the producer's last run returned (medians; negative: before), so events "
                        + "per second is the producer's rate, and the ratio says the pump keeps up with it, not how "
                        + "far beyond it could go. Sending a notification costs the producer several µs once a "
                        + "reader waits on the ring (the wakeup), against %d ns per run with no reader. CPU per event "
                        + "compares the consumers themselves; both are dominated by one epoll wakeup per event",
                h.java().lagMs(), h.c().lagMs(), h.prefilterNoReaderNs());
        if (h.java().lost() == 0 && h.c().lost() == 0) {
            return f("With %s %s.", threads, paced);
        }
        double ringMs = ringEvents(h) / h.java().producerRate() * 1e3;
        return f(
                "With %s %s. Java lost %,d events in %s of %d, C %,d in %s: at this rate the ring of one CPU "
                        + "(about %,d notifications) lasts about %.0f ms, and a consumer kept off the CPU longer than "
                        + "that (scheduling, a GC pause, the host taking the shared vCPU) loses what does not fit.",
                threads,
                paced,
                h.java().lost(),
                rounds(h.java().lossyRounds()),
                h.rounds(),
                h.c().lost(),
                rounds(h.c().lossyRounds()),
                ringEvents(h),
                ringMs);
    }

    static int ringEvents(PumpBench.Figures s) {
        return s.pagesPerCpu() * 4096 / 80;
    }

    private static String rounds(long n) {
        return n + (n == 1 ? " round" : " rounds");
    }

    /** What a scenario with as many producer threads as CPUs shows. */
    static String stress(PumpBench.Figures s) {
        return f(
                "With %d producer threads the producers alone can keep every CPU busy, and a consumer runs on "
                        + "CPU time the scheduler takes from them; its ring (%d pages: about %,d notifications per "
                        + "CPU) overflows whenever it is kept off a CPU for longer than the ring lasts at the "
                        + "producers' rate. Here Java lost %,d events in %s of %d, C %,d in %s. Not judged against "
                        + "the target: the machine is oversubscribed by construction, so the outcome varies from run "
                        + "to run with the scheduler and with what else the host runs on the shared CPUs.",
                s.producers(),
                s.pagesPerCpu(),
                ringEvents(s),
                s.java().lost(),
                rounds(s.java().lossyRounds()),
                s.rounds(),
                s.c().lost(),
                rounds(s.c().lossyRounds()));
    }

    /** The same load with the consumers pinned, against the unpinned run before it. */
    static String pinned(PumpBench.Figures s, PumpBench.Figures unpinned) {
        String lost = f(
                "Java lost %,d events in %s of %d and C %,d in %s (unpinned above: %,d and %,d)",
                s.java().lost(),
                rounds(s.java().lossyRounds()),
                s.rounds(),
                s.c().lost(),
                rounds(s.c().lossyRounds()),
                unpinned.java().lost(),
                unpinned.c().lost());
        String reading = s.java().lost() == 0
                        && s.c().lost() == 0
                        && unpinned.java().lost() + unpinned.c().lost() > 0
                ? "; with its placement fixed neither consumer lost anything in this run, which suggests that where "
                        + "the scheduler puts the consumer among the producers matters more than how fast it decodes"
                : "";
        return f(
                "With both consumers pinned to CPU %d (the same %d producer threads, free to run anywhere), %s%s. "
                        + "The pump delivered %,.0f events per second against C's %,.0f (%.2f).",
                s.pinnedCpu(), s.producers(), lost, reading, s.java().rate(), s.c().rate(), s.ratio());
    }

    String json() {
        Map<String, Object> o = new LinkedHashMap<>();
        PatchBench.Figures p = patch;
        o.put("bench", "agent");
        o.put("patch_10k_cidrs_ms", round(p.patch(), 1));
        o.put("patch_direct_maps_ms", round(p.direct(), 1));
        o.put("patch_ratio_vs_direct", round(p.ratio(), 2));
        o.put("patch_10k_cidrs_max_ms", round(p.maxPatch(), 1));
        o.put("patch_cold_ms", round(p.coldPatchMs(), 1));
        o.put("delete_10k_cidrs_ms", round(p.delete(), 1));
        o.put("patch_target_ms", PatchBench.TARGET_MS);
        o.put("patch_target_met", p.met());
        PumpBench.Figures h = headline();
        o.put("pump_events_per_s", Math.round(h.java().rate()));
        o.put("pump_c_events_per_s", Math.round(h.c().rate()));
        o.put("pump_ratio_vs_c", round(h.ratio(), 3));
        o.put("pump_lost", h.java().lost());
        o.put("pump_c_lost", h.c().lost());
        o.put("pump_lossy_rounds", h.java().lossyRounds());
        o.put("pump_warmup_lost", h.javaWarmup().lost());
        o.put("pump_cpu_ns_per_event", Math.round(h.java().cpuPerEvent()));
        o.put("pump_c_cpu_ns_per_event", Math.round(h.c().cpuPerEvent()));
        o.put("pump_producer_events_per_s", Math.round(h.java().producerRate()));
        o.put("pump_producer_bound", h.producerBound());
        o.put("pump_target_ratio", PumpBench.RATIO_TARGET);
        o.put("pump_target_met", h.met());
        o.put("pump_producers", h.producers());
        o.put("pump_events_per_round", h.events());
        o.put("pump_pages_per_cpu", h.pagesPerCpu());
        for (int i = 1; i < pump.size(); i++) {
            PumpBench.Figures s = pump.get(i);
            String k = key(s);
            o.put(k + "events_per_s", Math.round(s.java().rate()));
            o.put(k + "c_events_per_s", Math.round(s.c().rate()));
            o.put(k + "ratio_vs_c", round(s.ratio(), 3));
            o.put(k + "lost", s.java().lost());
            o.put(k + "c_lost", s.c().lost());
            o.put(k + "lossy_rounds", s.java().lossyRounds());
            o.put(k + "c_lossy_rounds", s.c().lossyRounds());
            o.put(k + "cpu_ns_per_event", Math.round(s.java().cpuPerEvent()));
            o.put(k + "c_cpu_ns_per_event", Math.round(s.c().cpuPerEvent()));
        }
        o.put("prefilter_no_reader_ns", h.prefilterNoReaderNs());
        o.put("rounds", p.rounds());
        env.machine().describe(o);
        return BenchJson.line(o);
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
