package io.membrane.topology;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A subprocess run to completion with its output kept, so a failed {@code ip} or {@code ping} can say what it
 * printed. Running is never an exception: a command that cannot start, hangs past a minute or is interrupted
 * comes back as a {@link Result} with exit code -1; {@link Result#orThrow()} turns a failure into one.
 */
public final class Command {
    private static final long TIMEOUT_SECONDS = 60;

    private Command() {}

    /** A finished command: what ran, its exit code, and its stdout and stderr together. */
    public record Result(List<String> command, int exitCode, String output) {
        public Result orThrow() {
            if (exitCode != 0) {
                throw new IllegalStateException(
                        String.join(" ", command) + " failed (exit " + exitCode + "): " + output.strip());
            }
            return this;
        }

        public boolean ok() {
            return exitCode == 0;
        }
    }

    public static Result run(String... cmd) {
        return run(List.of(cmd));
    }

    public static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(cmd, -1, "timed out");
            }
            return new Result(cmd, p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(cmd, -1, "cannot run " + cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(cmd, -1, "interrupted");
        }
    }
}
