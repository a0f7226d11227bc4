package io.membrane.datapath.net;

import io.membrane.maps.sys.NativeLibs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * Named network namespaces (/run/netns/NAME, as `ip netns` makes them) and running work inside one. Java code
 * enters a namespace with setns(2) on a thread of its own, which affects only that thread, so the rest of the
 * JVM stays where it is; commands enter with `nsenter --net`, never `ip netns exec`, which would also remount
 * /sys and hide the bpffs our maps are pinned on.
 */
public final class Netns {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    public static final Path RUN_DIR = Path.of("/run/netns");

    private Netns() {
    }

    public static Path path(String name) {
        return RUN_DIR.resolve(name);
    }

    public static void create(String name) {
        Command.run("ip", "netns", "add", name).orThrow();
    }

    /** Deletes the namespace if it exists; devices inside it go with it. */
    public static void delete(String name) {
        if (path(name).toFile().exists()) {
            Command.run("ip", "netns", "delete", name);
        }
    }

    /**
     * Runs {@code work} on a new thread that has entered namespace {@code name}, and waits for it.
     *
     * @throws NetnsException if the namespace does not exist or cannot be entered
     */
    public static <T> T call(String name, Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(() -> {
            int fd = NativeLibs.libc().open(path(name).toString(), O_RDONLY_CLOEXEC);
            if (fd < 0) {
                throw new NetnsException(NativeLibs.lastErrno(), "open", name);
            }
            try {
                if (NativeLibs.libc().setns(fd, CLONE_NEWNET) != 0) {
                    throw new NetnsException(NativeLibs.lastErrno(), "setns", name);
                }
            } finally {
                NativeLibs.libc().close(fd);
            }
            return work.call();
        });
        Thread t = new Thread(task, "netns-" + name);
        t.setDaemon(true);
        t.start();
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while working in netns " + name, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("in netns " + name + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Runs a command inside namespace {@code name} (nsenter --net) and returns its exit code and output. */
    public static Command.Result exec(String name, String... cmd) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=" + path(name)));
        full.addAll(List.of(cmd));
        return Command.run(full.toArray(String[]::new));
    }

    /** Subprocesses with their output kept for the error message. */
    public static final class Command {
        private Command() {
        }

        /** A finished command. */
        public record Result(List<String> command, int exitCode, String output) {
            public Result orThrow() {
                if (exitCode != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " failed (exit " + exitCode + "): "
                            + output.strip());
                }
                return this;
            }

            public boolean ok() {
                return exitCode == 0;
            }
        }

        public static Result run(String... cmd) {
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                p.getOutputStream().close();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new Result(List.of(cmd), -1, "timed out");
                }
                return new Result(List.of(cmd), p.exitValue(), new String(out, StandardCharsets.UTF_8));
            } catch (IOException e) {
                return new Result(List.of(cmd), -1, "cannot run " + cmd[0] + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(List.of(cmd), -1, "interrupted");
            }
        }
    }
}
