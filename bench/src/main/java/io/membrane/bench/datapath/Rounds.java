package io.membrane.bench.datapath;

import io.membrane.bench.BenchFailure;
import io.membrane.bench.RoundOrder;
import io.membrane.bench.Stats;
import io.membrane.datapath.Program;
import io.membrane.datapath.TestRun;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a set of BPF_PROG_TEST_RUN cases round after round, every case once per round and the order reversed on
 * every other round, so candidates and their floors see the same machine noise. Each case first gets a repeat
 * count that makes one run last about {@code runNanos}; every run must return the case's expected code, or the
 * bench is not measuring what it says. Figures: the median over rounds of each case's ns per packet, and for a
 * pair the median over rounds of that round's ratio.
 */
final class Rounds {
    /** One program on one frame, and the return code that proves it took the intended path. */
    record Case(String name, Program program, byte[] frame, int expectedCode) {}

    private static final int CALIBRATION_REPEAT = 20_000;
    private static final int MIN_REPEAT = 10_000;
    private static final int MAX_REPEAT = 50_000_000;

    private final Map<String, double[]> samples = new LinkedHashMap<>();
    private final Map<String, Integer> repeats = new LinkedHashMap<>();

    private Rounds() {}

    static Rounds measure(String label, List<Case> cases, int rounds, long runNanos) {
        Rounds r = new Rounds();
        for (Case c : cases) {
            run(c, CALIBRATION_REPEAT); // warm-up
            long ns = Math.max(1, run(c, CALIBRATION_REPEAT));
            r.repeats.put(c.name(), (int) Math.max(MIN_REPEAT, Math.min(MAX_REPEAT, runNanos / ns)));
            r.samples.put(c.name(), new double[rounds]);
        }
        for (int round = 0; round < rounds; round++) {
            List<Case> order = RoundOrder.of(cases, round);
            StringBuilder line = new StringBuilder(
                    String.format(Locale.ROOT, "datapath bench: %s round %2d/%d ", label, round + 1, rounds));
            for (Case c : order) {
                long ns = run(c, r.repeats.get(c.name()));
                r.samples.get(c.name())[round] = ns;
            }
            for (Case c : cases) {
                line.append(String.format(
                        Locale.ROOT, " %s %.0f", c.name(), r.samples.get(c.name())[round]));
            }
            System.err.println(line.append(" ns"));
        }
        return r;
    }

    /** Mean ns per run as the kernel reports it (whole ns), after checking the return code. */
    private static long run(Case c, int repeat) {
        TestRun.Result result = TestRun.run(c.program(), c.frame(), repeat);
        if (result.returnCode() != c.expectedCode()) {
            throw new BenchFailure(c.name() + " returned " + result.returnCode() + ", expected " + c.expectedCode()
                    + ": the case does not take the path it is meant to measure");
        }
        return result.nanosPerRun();
    }

    double ns(String name) {
        return Stats.median(samples(name));
    }

    /** The median over rounds of {@code candidate / floor} within each round. */
    double ratio(String candidate, String floor) {
        return Stats.median(ratios(candidate, floor));
    }

    /** The smallest and the largest of the rounds' ratios. */
    double[] ratioRange(String candidate, String floor) {
        return Stats.range(ratios(candidate, floor));
    }

    private double[] ratios(String candidate, String floor) {
        double[] a = samples(candidate);
        double[] b = samples(floor);
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] / Math.max(b[i], 1);
        }
        return r;
    }

    int repeat(String name) {
        return repeats.get(name);
    }

    private double[] samples(String name) {
        double[] s = samples.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no case " + name);
        }
        return s;
    }
}
