package io.membrane.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * The arguments of a bench without options of its own: {@code [project-root] [--no-write]} ({@code bin/membrane
 * bench} passes the root first). {@code --no-write} measures and prints the JSON line but leaves BENCHMARKS.md
 * as it is; anything else is refused, naming it, before anything is measured.
 */
public record BenchArgs(Path root, boolean write) {
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
        return new BenchArgs((root == null ? Path.of(".") : root).toAbsolutePath().normalize(), write);
    }
}
