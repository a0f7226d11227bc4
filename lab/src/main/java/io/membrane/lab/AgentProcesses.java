package io.membrane.lab;

import io.membrane.cluster.ClusterCli;
import io.membrane.cluster.ClusterNode;
import io.membrane.lab.Lab.Node;
import io.membrane.topology.Namespaces;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The lab's agent processes: started in their node's namespace in a session of their own, found again by their
 * command line ({@code ClusterCli agent --config} under the lab's run root) whether or not this JVM started
 * them, and stopped with SIGTERM, then SIGKILL. A pid file alone is never trusted: the pid must still be that
 * node's agent.
 */
final class AgentProcesses {
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private AgentProcesses() {}

    /** The agent's pid if its process runs. */
    static OptionalLong pid(Node node) {
        try {
            if (!Files.isRegularFile(node.pidFile())) {
                return OptionalLong.empty();
            }
            long pid = Long.parseLong(Files.readString(node.pidFile()).strip());
            return isAgentOf(pid, node) ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Starts the node's agent (it must not run) without waiting for it — in its namespace, in a session of its
     * own, output appended to its log; see {@link Lab#awaitReady(Node)}.
     */
    static void launch(Node node, Lab.Options options, Consumer<String> progress) {
        if (pid(node).isPresent()) {
            throw new IllegalStateException(
                    node.name() + " already runs (pid " + pid(node).getAsLong() + ")");
        }
        List<String> cmd = new ArrayList<>(List.of(
                "setsid",
                "nsenter",
                "--net=" + Namespaces.path(node.namespace()),
                options.java().toString()));
        // Not part of jvmArgs: those are tuning (and a lab made before the store was durable saved its own),
        // while without these the agent cannot keep the cluster deny list and refuses to start.
        cmd.addAll(ClusterNode.REQUIRED_JVM_ARGS);
        cmd.addAll(options.jvmArgs());
        cmd.add("-Dlogback.configurationFile=" + options.home().resolve("conf/logback.xml"));
        cmd.addAll(List.of(
                "-cp",
                options.classpath(),
                ClusterCli.class.getName(),
                "agent",
                "--config",
                node.config().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(node.log().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        try {
            // setsid and nsenter exec what they run (neither forks here), so the pid is the agent's.
            Process p = pb.start();
            Files.writeString(node.pidFile(), p.pid() + "\n");
            progress.accept("started " + node.name() + " (pid " + p.pid() + ") in " + node.namespace() + " on "
                    + node.address() + "; log " + node.log());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the agent of " + node.name() + ": " + e.getMessage(), e);
        }
    }

    /** kill -9 of the node's agent; waits until it is gone. The datapath stays attached, the maps pinned. */
    static void kill9(Node node, Consumer<String> progress) {
        OptionalLong pid = pid(node);
        if (pid.isEmpty()) {
            throw new IllegalStateException(node.name() + " is not running");
        }
        ProcessHandle.of(pid.getAsLong()).ifPresent(h -> {
            h.destroyForcibly();
            awaitExit(h, Duration.ofSeconds(10));
        });
        progress.accept("killed " + node.name() + " (SIGKILL to pid " + pid.getAsLong() + ")");
    }

    /** Stops the node's agent (SIGTERM, SIGKILL after 10 s). */
    static void stop(Node node, Consumer<String> progress) {
        OptionalLong pid = pid(node);
        if (pid.isPresent()) {
            stopAll(List.of(pid.getAsLong()));
            progress.accept("stopped " + node.name());
        }
    }

    /** Agent processes this lab started: their command line runs ClusterCli with a config under the run root. */
    static List<Long> all() {
        List<Long> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        String[] entries = new File("/proc").list();
        if (entries == null) {
            return out;
        }
        for (String e : entries) {
            if (!e.chars().allMatch(Character::isDigit)) {
                continue;
            }
            long pid = Long.parseLong(e);
            if (pid != self && isLabAgent(cmdline(pid))) {
                out.add(pid);
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /**
     * The process's command line. A process in the middle of execve(2) (setsid and nsenter exec what they run)
     * shows an empty one for a moment, so an empty answer is asked again for up to half a second; a zombie, a
     * kernel thread (child of kthreadd, pid 2) or a vanished process answers empty at once.
     */
    private static List<String> cmdline(long pid) {
        Path proc = Path.of("/proc", String.valueOf(pid));
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
                if (raw.length > 0) {
                    return List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
                }
                // stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so parse after the last ')'.
                String stat = Files.readString(proc.resolve("stat"));
                String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                char state = rest[0].charAt(0);
                if (state == 'Z' || state == 'X' || pid == 2 || rest[1].equals("2")) {
                    return List.of();
                }
                Thread.sleep(10);
            } catch (IOException | UncheckedIOException | IndexOutOfBoundsException e) {
                return List.of();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
        return List.of();
    }

    private static boolean isLabAgent(List<String> cmd) {
        int i = cmd.indexOf("--config");
        return cmd.contains(ClusterCli.class.getName())
                && i >= 0
                && i + 1 < cmd.size()
                && cmd.get(i + 1).startsWith(Lab.RUN_ROOT + "/");
    }

    private static boolean isAgentOf(long pid, Node node) {
        List<String> cmd = cmdline(pid);
        int i = cmd.indexOf("--config");
        return isLabAgent(cmd) && cmd.get(i + 1).equals(node.config().toString());
    }

    /** SIGTERM to each, then SIGKILL to what still runs after {@code STOP_GRACE}; waits until all are gone. */
    static void stopAll(List<Long> pids) {
        Duration grace = STOP_GRACE;
        List<ProcessHandle> handles =
                pids.stream().map(ProcessHandle::of).flatMap(Optional::stream).toList();
        handles.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle h : handles) {
            awaitExit(h, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        for (ProcessHandle h : handles) {
            if (h.isAlive()) {
                h.destroyForcibly();
                awaitExit(h, Duration.ofSeconds(10));
            }
        }
    }

    private static void awaitExit(ProcessHandle h, Duration timeout) {
        try {
            h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            // the caller checks isAlive
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
