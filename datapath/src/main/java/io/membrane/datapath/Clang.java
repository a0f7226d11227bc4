package io.membrane.datapath;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs clang as a subprocess with fixed flags. The flags are part of every cache key, so changing them here
 * recompiles everything. {@code -mcpu=v3} uses the 32-bit jumps and ALU the 6.x verifier and JIT handle
 * well; {@code -g} emits the BTF that the layout check and bpftool read.
 */
public final class Clang {
    public static final List<String> FLAGS =
            List.of("-O2", "-g", "-target", "bpf", "-mcpu=v3", "-Wall", "-Werror", "-Wno-unused-function");
    private static final long TIMEOUT_SECONDS = 120;
    /**
     * Debian keeps asm/types.h (pulled in by linux/types.h) under the multiarch directory, which clang does not
     * search for the bpf target.
     */
    static final String MULTIARCH_INCLUDE =
            "/usr/include/" + ("aarch64".equals(System.getProperty("os.arch")) ? "aarch64" : "x86_64") + "-linux-gnu";

    private final String binary;
    private final AtomicLong invocations = new AtomicLong();
    private volatile String version;

    public Clang() {
        this("clang");
    }

    public Clang(String binary) {
        this.binary = binary;
    }

    /** The first line of {@code clang --version}; asked once, since it is part of every cache key. */
    public String version() {
        String v = version;
        if (v == null) {
            Result r = run(List.of(binary, "--version"));
            if (r.exitCode != 0) {
                throw new CompileException(binary + " --version failed: " + r.output);
            }
            v = r.output.lines().findFirst().orElse("").strip();
            version = v;
        }
        return v;
    }

    /** How many compilations this instance has started (cache hits start none). */
    public long compilations() {
        return invocations.get();
    }

    /** Compiles {@code source} to {@code out}; stderr is kept and shown in the exception on failure. */
    public void compile(Path source, List<Path> includeDirs, Path out) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary);
        cmd.addAll(FLAGS);
        cmd.add("-I" + MULTIARCH_INCLUDE);
        for (Path dir : includeDirs) {
            cmd.add("-I" + dir);
        }
        cmd.addAll(List.of("-c", source.toString(), "-o", out.toString()));
        invocations.incrementAndGet();
        Result r = run(cmd);
        if (r.exitCode != 0) {
            throw new CompileException("clang failed on " + source.getFileName() + " (exit " + r.exitCode + ")\n$ "
                    + String.join(" ", cmd) + "\n" + r.output.strip());
        }
    }

    private record Result(int exitCode, String output) {}

    private static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CompileException(String.join(" ", cmd) + ": timed out after " + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CompileException("cannot run " + cmd.get(0) + " (apt-get install clang): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompileException("interrupted while running " + cmd.get(0), e);
        }
    }
}
