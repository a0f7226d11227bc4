package io.membrane.datapath.net;

import io.membrane.maps.sys.NativeLibs;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;

/**
 * Java work inside a named network namespace (/run/netns/NAME, as `ip netns` makes them), as the agent needs it
 * to attach to a device that lives in one: setns(2) on a thread of its own, which affects only that thread, so
 * the rest of the JVM stays where it is. Making namespaces and running commands in them is the topology
 * module's (io.membrane.topology), which tests and the lab use.
 */
public final class Netns {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    public static final Path RUN_DIR = Path.of("/run/netns");

    private Netns() {}

    public static Path path(String name) {
        return RUN_DIR.resolve(name);
    }

    /**
     * Work that goes into namespace {@code name} again and again (an endpoint's every regeneration), on {@code
     * threads} threads that each enter it once, at their first task, rather than a thread per call. A task on a
     * thread that cannot enter fails with the {@link NetnsException}.
     */
    public static Workers workers(String name, int threads) {
        return new Workers(Optional.of(name), threads);
    }

    /** Workers that stay in the agent's own namespace. */
    public static Workers workersHere(int threads) {
        return new Workers(Optional.empty(), threads);
    }

    /** See {@link #workers}. {@link #close} stops the threads; tasks given after that are refused. */
    public static final class Workers implements AutoCloseable {
        private final Optional<String> name;
        private final ExecutorService pool;
        private final ThreadLocal<Boolean> entered = ThreadLocal.withInitial(() -> false);

        private Workers(Optional<String> name, int threads) {
            this.name = name;
            this.pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "netns-" + name.orElse("self"));
                t.setDaemon(true);
                return t;
            });
        }

        public <T> CompletableFuture<T> submit(Callable<T> work) {
            return CompletableFuture.supplyAsync(
                    () -> {
                        if (!entered.get() && name.isPresent()) {
                            enter(name.get());
                            entered.set(true);
                        }
                        try {
                            return work.call();
                        } catch (RuntimeException e) {
                            throw e;
                        } catch (Exception e) {
                            throw new CompletionException(e);
                        }
                    },
                    pool);
        }

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    /** Moves the calling thread (only it) into namespace {@code name}. */
    private static void enter(String name) {
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
    }

    /**
     * Runs {@code work} on a new thread that has entered namespace {@code name}, and waits for it.
     *
     * @throws NetnsException if the namespace does not exist or cannot be entered
     */
    public static <T> T call(String name, Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(() -> {
            enter(name);
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
            throw new IllegalStateException(
                    "in netns " + name + ": " + e.getCause().getMessage(), e.getCause());
        }
    }
}
