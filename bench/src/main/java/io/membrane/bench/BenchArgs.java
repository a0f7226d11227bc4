package io.membrane.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The arguments of a bench without options of its own: {@code [project-root] [--no-write]} ({@code bin/membrane
 * bench} passes the root first). {@code --no-write} measures and prints the JSON line but leaves BENCHMARKS.md
 * as it is; anything else is refused, naming it, before anything is measured.
 */
public record BenchArgs(Path root, boolean write) {
    /** What a bench measures and writes, given its parsed arguments. */
    @FunctionalInterface
    public interface Body {
        void run(BenchArgs args) throws IOException, InterruptedException;
    }

    /**
     * The whole main of a bench without options of its own: {@code --help} prints {@code usage} and the
     * {@code --no-write} line; otherwise the arguments are parsed and {@code body} runs. A {@link BenchFailure}
     * from either is one line on stderr, prefixed with {@code name}, and exit status 1.
     *
     * @param usage the first lines of the help: the command and what it measures
     */
    public static void runMain(String[] args, String name, String usage, Body body)
            throws IOException, InterruptedException {
        if (wantsHelp(args)) {
            System.out.println(usage + "\n  --no-write prints the JSON line but leaves BENCHMARKS.md as it is");
            return;
        }
        try {
            body.run(parse(args));
        } catch (BenchFailure e) {
            System.err.println(name + ": " + e.getMessage());
            System.exit(1);
        }
    }

    /** A bench body that may throw anything; {@link #runThenExit} reports what it throws. */
    @FunctionalInterface
    public interface Run {
        void run() throws Exception;
    }

    /**
     * The main of a bench that leaves threads behind (an agent's actor system, an HTTP client) and so ends the JVM
     * itself: exit status 0 when {@code body} returns; 1 with one line on stderr, prefixed with {@code name}, for a
     * {@link BenchFailure}; 1 with the stack trace for anything else.
     */
    public static void runThenExit(String name, Run body) {
        int status = 0;
        try {
            body.run();
        } catch (BenchFailure e) {
            System.err.println(name + ": " + e.getMessage());
            status = 1;
        } catch (Exception e) {
            System.err.println(name + ": failed");
            e.printStackTrace();
            status = 1;
        }
        System.exit(status);
    }

    public static boolean wantsHelp(String[] args) {
        return List.of(args).contains("--help") || List.of(args).contains("-h");
    }

    public static BenchArgs parse(String[] args) {
        Path root = null;
        boolean write = true;
        for (String a : args) {
            if (a.equals("--no-write")) {
                write = false;
            } else if (a.startsWith("-")) {
                throw new BenchFailure("unknown option " + a + " (expected [project-root] [--no-write])");
            } else if (root != null) {
                throw new BenchFailure("one project root, not " + root + " and " + a);
            } else {
                root = Path.of(a);
            }
        }
        return new BenchArgs(
                (root == null ? Path.of(".") : root).toAbsolutePath().normalize(), write);
    }
}
