package io.membrane.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The C baselines of {@code bench/src/main/c/}: compiled here with {@code gcc -O2} against libbpf into a
 * scratch directory ({@link Scratch}), so a baseline is always built from the checkout's source.
 */
public final class CBaseline {
    private CBaseline() {}

    /** Compiles {@code source} into {@code dir} (the binary named after it); on failure shows gcc's output. */
    public static Path compile(Path source, Path dir) throws IOException, InterruptedException {
        Path binary = dir.resolve(source.getFileName().toString().replaceFirst("\\.c$", ""));
        List<String> cmd = List.of("gcc", "-O2", "-Wall", "-o", binary.toString(), source.toString(), "-lbpf");
        Process gcc;
        try {
            gcc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new BenchFailure(
                    "cannot run gcc (" + e.getMessage() + "); install it: apt-get install gcc " + "libbpf-dev");
        }
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (gcc.waitFor() != 0) {
            System.err.print(out);
            throw new BenchFailure("gcc failed: " + String.join(" ", cmd));
        }
        return binary;
    }

    /** gcc's version, for the section's "measured on" line. */
    public static String gccVersion() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("gcc", "-dumpfullversion")
                .redirectErrorStream(true)
                .start();
        String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        return v;
    }
}
