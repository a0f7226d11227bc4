package io.membrane.lab;

import io.membrane.actors.AgentConfig;
import io.membrane.actors.api.client.AdminApiException;
import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.model.AgentStatus;
import io.membrane.actors.api.model.ClusterStatus;
import io.membrane.cluster.ClusterNode;
import io.membrane.datapath.DatapathMaps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The multi-node lab on one machine: a fabric namespace {@value #FABRIC_NS} holding a bridge, node namespaces
 * {@code mbr-n1..mbr-nN} each joined to it by a veth ({@value #DEVICE} on the node's side, address
 * {@code 10.79.0.1N/24}), and a client namespace {@value #CLIENT_NS} on the same fabric with a few source
 * addresses ({@code 10.79.0.100..105}). Every node runs a real agent process that has entered only its node's
 * namespace ({@code nsenter --net}, so bpffs stays visible), with its own pin root under {@value #PIN_ROOT_NAME},
 * run directory (config, log, pid file, admin API socket) under {@value #RUN_ROOT_NAME}, the XDP prefilter on its
 * fabric device, its artery endpoint on its fabric address, and its metrics and health on 127.0.0.1:{@value
 * #API_PORT} inside its namespace. Its full API is the unix socket in its run directory, a file reachable from
 * any namespace. Each node has a pod CIDR ({@code 10.241.N.0/24}) and routes the others' to their fabric address
 * (native routing, no overlay); workloads ({@link LabWorkloads}) are namespaces {@code mbr-w-NAME} behind a veth
 * into a node's namespace, registered as endpoints through that node's API. Nothing of the lab touches the root
 * namespace's interfaces or routes.
 *
 * <p>{@link #up} builds it and waits until every node's API answers, its prefilter is attached and the cluster
 * has every node up; {@link #down()} removes everything it can find of a lab (processes, namespaces, pins, run
 * directories) and may be called any number of times, also with no lab at all. The names are fixed: there is
 * one lab per machine.
 *
 * <p>This class holds the lab's plan, its lifecycle and everything that talks to a node's admin API (readiness,
 * cluster views); the network is {@link LabNetwork}'s, the node configs {@link NodeConfig}'s, the agent
 * processes {@link AgentProcesses}', and the files under the pin and run roots {@link LabFiles}'.
 */
public final class Lab implements AutoCloseable {
    public static final String FABRIC_NS = "mbr-fabric";
    /** The bridge, inside {@link #FABRIC_NS}. */
    public static final String BRIDGE = "mbr-br";

    public static final String CLIENT_NS = "mbr-client";
    /** Each node's (and the client's) device on the fabric. */
    public static final String DEVICE = "fab0";

    public static final String CLIENT = "10.79.0.100";
    public static final String CLIENT_OTHER = "10.79.0.101";
    /** The client's source addresses: {@link #CLIENT}, {@link #CLIENT_OTHER} and four more for tests. */
    public static final List<String> CLIENT_ADDRESSES =
            List.of(CLIENT, CLIENT_OTHER, "10.79.0.102", "10.79.0.103", "10.79.0.104", "10.79.0.105");

    static final String PIN_ROOT_NAME = "/sys/fs/bpf/membrane-lab";
    static final String RUN_ROOT_NAME = "/var/run/membrane-lab";
    public static final Path PIN_ROOT = Path.of(PIN_ROOT_NAME);
    public static final Path RUN_ROOT = Path.of(RUN_ROOT_NAME);
    public static final int ARTERY_PORT = 25520;
    public static final int API_PORT = 9876;
    public static final int MAX_NODES = 9;
    /**
     * The agents' JVM options: C1 only, a heap of 512 MiB growing to 1 GiB, the serial collector — several agents
     * share two CPUs, and a node joining a large cluster list needs the heap from its start (figures:
     * docs/decisions/0004-lab-agent-jvm.md). The opens the agent needs ({@link ClusterNode#REQUIRED_JVM_ARGS}) are
     * always added, whatever the options say.
     */
    public static final List<String> DEFAULT_JVM_ARGS =
            List.of("-Xms512m", "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    /** How to build the lab and run its agents. */
    public record Options(
            int nodes,
            String xdpMode,
            Path home,
            String classpath,
            Path java,
            List<String> jvmArgs,
            Duration startTimeout,
            int cidrCapacity,
            int ipcacheCapacity) {
        /** Each node's prefilter maps (exact and LPM, per family): enough for tests and demos by default. */
        public static final int DEFAULT_CIDR_CAPACITY = 16_384;
        /** Each node's ipcache: enough for tests and demos by default. */
        public static final int DEFAULT_IPCACHE_CAPACITY = 16_384;

        public Options {
            if (nodes < 1 || nodes > MAX_NODES) {
                throw new IllegalArgumentException("--nodes must be 1.." + MAX_NODES + ", was " + nodes);
            }
            if (ipcacheCapacity < 1) {
                throw new IllegalArgumentException("the ipcache capacity must be positive, was " + ipcacheCapacity);
            }
            if (cidrCapacity < 1) {
                throw new IllegalArgumentException("the prefilter map capacity must be positive, was " + cidrCapacity);
            }
            if (!xdpMode.equals("native") && !xdpMode.equals("generic")) {
                throw new IllegalArgumentException("--xdp-mode must be native or generic, was " + xdpMode);
            }
            if (!Files.isRegularFile(home.resolve("bpf/bpf_xdp.c"))) {
                throw new IllegalArgumentException(home + " is not a Membrane checkout (no bpf/bpf_xdp.c)");
            }
            jvmArgs = List.copyOf(jvmArgs);
        }

        /**
         * Three nodes, native XDP, this JVM's class path and java, the checkout found from MEMBRANE_HOME, from
         * MEMBRANE_BPF_DIR or upwards from the working directory.
         */
        public static Options defaults() {
            return new Options(
                    3,
                    "native",
                    findHome(),
                    System.getProperty("java.class.path"),
                    Path.of(System.getProperty("java.home"), "bin", "java"),
                    DEFAULT_JVM_ARGS,
                    Duration.ofSeconds(180),
                    DEFAULT_CIDR_CAPACITY,
                    DEFAULT_IPCACHE_CAPACITY);
        }

        public Options withNodes(int n) {
            return new Options(n, xdpMode, home, classpath, java, jvmArgs, startTimeout, cidrCapacity, ipcacheCapacity);
        }

        public Options withXdpMode(String mode) {
            return new Options(
                    nodes, mode, home, classpath, java, jvmArgs, startTimeout, cidrCapacity, ipcacheCapacity);
        }

        public Options withJvmArgs(List<String> args) {
            return new Options(
                    nodes, xdpMode, home, classpath, java, args, startTimeout, cidrCapacity, ipcacheCapacity);
        }

        /**
         * These options with the JVM options of {@code MEMBRANE_BENCH_JVM_ARGS} (split on white space) added, when it
         * is set: how a benchmark's agents get a profiler or another collector without a rebuild.
         */
        public Options withBenchJvmArgs() {
            String extra = System.getenv("MEMBRANE_BENCH_JVM_ARGS");
            if (extra == null || extra.isBlank()) {
                return this;
            }
            List<String> added = List.of(extra.trim().split("\\s+"));
            List<String> args = new java.util.ArrayList<>(jvmArgs);
            if (added.stream().anyMatch(a -> a.matches("-XX:\\+Use\\w+GC"))) {
                args.removeIf(a -> a.matches("-XX:\\+Use\\w+GC")); // a collector of its own replaces the default
            }
            args.addAll(added);
            return withJvmArgs(args);
        }

        /**
         * The sizes of each node's maps: the prefilter maps at {@link #cidrCapacity}, the ipcache at {@link
         * #ipcacheCapacity}, the others small.
         */
        public DatapathMaps.Sizes mapSizes() {
            return new DatapathMaps.Sizes(cidrCapacity, cidrCapacity, ipcacheCapacity, 1024, 16_384, 16_384, 1024);
        }

        public Options withIpcacheCapacity(int entries) {
            return new Options(nodes, xdpMode, home, classpath, java, jvmArgs, startTimeout, cidrCapacity, entries);
        }

        public Options withCidrCapacity(int entries) {
            return new Options(nodes, xdpMode, home, classpath, java, jvmArgs, startTimeout, entries, ipcacheCapacity);
        }
    }

    /** One node of the lab: its namespace, fabric address, pin root and run directory. */
    public record Node(int index, String name, String namespace, String address, Path pinRoot, Path runDir) {
        static Node of(int index) {
            String name = "n" + index;
            return new Node(
                    index,
                    name,
                    "mbr-" + name,
                    "10.79.0." + (10 + index),
                    PIN_ROOT.resolve(name),
                    RUN_ROOT.resolve(name));
        }

        public Path config() {
            return runDir.resolve("membrane.conf");
        }

        /** The node's pod CIDR, {@code 10.241.N.0/24}: its endpoints' addresses; the others route it over the fabric. */
        public String podCidr() {
            return "10.241." + index + ".0/24";
        }

        /** The endpoints' gateway on this node: the pod CIDR's first address. */
        public String gateway() {
            return "10.241." + index + ".1";
        }

        public Path log() {
            return runDir.resolve("agent.log");
        }

        public Path pidFile() {
            return runDir.resolve("agent.pid");
        }

        public String artery() {
            return "pekko://membrane@" + address + ":" + ARTERY_PORT;
        }

        /** The admin API's target: the node's unix socket, the same path from every namespace. */
        public String api() {
            return "unix:" + AgentConfig.apiSocket(runDir);
        }
    }

    private final Options options;
    private final List<Node> nodes;
    private final Consumer<String> progress;
    private final java.util.Map<String, AdminClient> clients = new java.util.concurrent.ConcurrentHashMap<>();

    private Lab(Options options, Consumer<String> progress) {
        this.options = options;
        List<Node> list = new ArrayList<>();
        for (int i = 1; i <= options.nodes(); i++) {
            list.add(Node.of(i));
        }
        this.nodes = List.copyOf(list);
        this.progress = progress;
    }

    // --- up and down ---

    /**
     * Builds the lab and starts one agent per node; returns once every API answers, every prefilter is attached
     * and every node sees all N members up. Refuses if a lab (or a leftover of one) is present. On any failure
     * it removes what it made and throws with the tail of each node's log.
     */
    public static Lab up(Options options, Consumer<String> progress) {
        List<String> found = present();
        if (!found.isEmpty()) {
            throw new IllegalStateException("a lab is already here (" + String.join(", ", found)
                    + "); remove it first with: bin/membrane lab down");
        }
        Lab lab = new Lab(options, progress);
        long t0 = System.nanoTime();
        try {
            LabNetwork.create(lab.nodes, progress);
            LabFiles.writeState(options);
            for (Node n : lab.nodes) {
                LabFiles.writeConfig(n, lab.config(n));
            }
            for (Node n : lab.nodes) {
                lab.launch(n);
            }
            lab.awaitReady(lab.nodes, lab.nodes.size(), options.startTimeout());
            progress.accept(
                    String.format("lab up: %d node(s) in %.1f s", lab.nodes.size(), (System.nanoTime() - t0) / 1e9));
            return lab;
        } catch (RuntimeException e) {
            String logs = lab.logTails(30);
            try {
                down(progress);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new IllegalStateException("lab up failed: " + e.getMessage() + logs, e);
        }
    }

    /** The lab {@code options} describe, without building anything (for tests of the generated configs). */
    static Lab plan(Options options) {
        return new Lab(options, s -> {});
    }

    /** The lab that {@link #up} left on this machine (read back from its state file), if there is one. */
    public static Optional<Lab> existing(Consumer<String> progress) {
        return LabFiles.readState().map(o -> new Lab(o, progress));
    }

    /** What of a lab is on this machine: namespaces, pin root, run directory, agent processes. */
    public static List<String> present() {
        List<String> found = new ArrayList<>(LabNetwork.namespaces());
        if (Files.exists(PIN_ROOT)) {
            found.add(PIN_ROOT.toString());
        }
        if (Files.exists(RUN_ROOT)) {
            found.add(RUN_ROOT.toString());
        }
        AgentProcesses.all().forEach(pid -> found.add("agent pid " + pid));
        return found;
    }

    /**
     * Removes every trace of a lab: agent processes (SIGTERM, then SIGKILL after {@code 10 s}), namespaces
     * (with them the veths, the bridge and the XDP attachments), the pin root and the run directories. Safe to
     * call with no lab, a half-built one, or twice.
     */
    public static void down(Consumer<String> progress) {
        List<Long> pids = AgentProcesses.all();
        if (!pids.isEmpty()) {
            progress.accept("stopping agent(s) " + pids);
            AgentProcesses.stopAll(pids);
        }
        LabNetwork.remove(progress);
        if (LabFiles.removeTree(PIN_ROOT)) {
            progress.accept("removed pins " + PIN_ROOT);
        }
        if (LabFiles.removeTree(RUN_ROOT)) {
            progress.accept("removed " + RUN_ROOT);
        }
    }

    /** {@link #down(Consumer)} quietly. */
    @Override
    public void close() {
        down(s -> {});
    }

    /** The node's generated configuration: everything a node of this lab differs in. */
    String config(Node n) {
        return NodeConfig.render(n, nodes, options);
    }

    // --- nodes ---

    public Options options() {
        return options;
    }

    public List<Node> nodes() {
        return nodes;
    }

    /** Node {@code i}, counting from 1 as the names do. */
    public Node node(int i) {
        if (i < 1 || i > nodes.size()) {
            throw new IllegalArgumentException("no node n" + i + " in a lab of " + nodes.size());
        }
        return nodes.get(i - 1);
    }

    /** Node by name ({@code n2}) or namespace ({@code mbr-n2}). */
    public Node node(String name) {
        return nodes.stream()
                .filter(n -> n.name().equals(name) || n.namespace().equals(name))
                .findFirst()
                .orElseThrow(() ->
                        new IllegalArgumentException("no node " + name + " in this lab (n1..n" + nodes.size() + ")"));
    }

    /** The node's admin API, through its unix socket. */
    public AdminClient api(Node node) {
        // One client per node, so its connections are reused (a restarted agent's are replaced unseen).
        return clients.computeIfAbsent(
                node.name(), n -> AdminClient.connect(node.api(), Duration.ofSeconds(3), Duration.ofSeconds(30))
                        .reusingConnections());
    }

    /** The agent's pid if its process runs. */
    public OptionalLong pid(Node node) {
        return AgentProcesses.pid(node);
    }

    public boolean isRunning(Node node) {
        return pid(node).isPresent();
    }

    /**
     * Starts the node's agent (it must not run) without waiting for it — in its namespace, in a session of its
     * own, output appended to its log; see {@link #awaitReady(Node)}.
     */
    public void launch(Node node) {
        AgentProcesses.launch(node, options, progress);
    }

    /** kill -9 of the node's agent; waits until it is gone. The datapath stays attached, the maps pinned. */
    public void kill9(Node node) {
        AgentProcesses.kill9(node, progress);
    }

    /** Stops the node's agent (SIGTERM, SIGKILL after 10 s). */
    public void stop(Node node) {
        AgentProcesses.stop(node, progress);
    }

    /**
     * Starts the node's agent again with the same config, pin root and run directory (stopping it first if it
     * runs) and waits until it answers, its prefilter is attached and it sees every running node up.
     */
    public void restart(Node node) {
        stop(node);
        launch(node);
        awaitReady(node);
    }

    /**
     * Stops the node's agent and removes its pinned maps and its run state — everything but its config and log —
     * so that {@link #launch} starts it as a node that has never run (its XDP program goes with the pins' last
     * holder, the device stays).
     */
    public void wipe(Node node) {
        stop(node);
        LabNetwork.detachXdp(node);
        LabFiles.clearRunState(node);
        progress.accept("wiped " + node.name() + " (pins, run state)");
    }

    /** Waits until the node answers, its prefilter is attached and it sees every running node up. */
    public void awaitReady(Node node) {
        awaitReady(List.of(node), (int) nodes.stream().filter(this::isRunning).count(), options.startTimeout());
    }

    /** Pings {@code to}'s fabric address from the client namespace with source {@code from}; returns replies. */
    public int ping(String from, Node to, int count) {
        return LabNetwork.ping(from, to, count);
    }

    // --- cluster views ---

    /** GET /v1/cluster of {@code node}. */
    public ClusterStatus cluster(Node node) {
        try {
            return api(node).cluster();
        } catch (AdminApiException e) {
            throw new IllegalStateException(
                    node.name() + ": GET /v1/cluster: HTTP " + e.status() + " "
                            + e.error().oneLine(),
                    e);
        }
    }

    /** The members {@code node} sees, address → status. */
    public Map<String, String> members(Node node) {
        Map<String, String> out = new LinkedHashMap<>();
        for (ClusterStatus.Member m : cluster(node).members()) {
            out.put(m.address(), m.status());
        }
        return out;
    }

    /** Waits until {@code observer} sees exactly {@code count} members, all up. */
    public void awaitMembers(Node observer, int count, Duration timeout) {
        await(
                () -> {
                    try {
                        Map<String, String> m = members(observer);
                        return m.size() == count && m.values().stream().allMatch("up"::equals);
                    } catch (RuntimeException e) {
                        return false;
                    }
                },
                timeout,
                () -> observer.name() + " to see " + count + " members up (sees " + safeMembers(observer) + ")");
    }

    private String safeMembers(Node n) {
        try {
            return members(n).toString();
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    private void awaitReady(List<Node> which, int members, Duration timeout) {
        Map<String, String> states = new LinkedHashMap<>();
        await(
                () -> {
                    boolean all = true;
                    for (Node n : which) {
                        String state = readiness(n, members);
                        if (!state.equals(states.put(n.name(), state))) {
                            progress.accept(n.name() + ": " + state);
                        }
                        all &= state.equals("ready");
                    }
                    return all;
                },
                timeout,
                () -> "every node ready " + states);
    }

    /** "ready", or what the node still lacks. Throws if its process has died. */
    private String readiness(Node n, int members) {
        if (!isRunning(n)) {
            throw new IllegalStateException(n.name() + ": the agent process exited" + logTail(n, 30));
        }
        AgentStatus status;
        try {
            status = api(n).status();
        } catch (AdminApiException e) {
            return "API answers " + e.status();
        } catch (RuntimeException e) {
            return "starting (API not answering yet)";
        }
        try {
            for (AgentStatus.Device d : status.devices()) {
                if (!"attached".equals(d.state())) {
                    return "prefilter on " + d.device() + " " + d.state()
                            + (d.error() != null ? " (" + d.error() + ")" : "");
                }
            }
            Map<String, String> m = members(n);
            long up = m.values().stream().filter("up"::equals).count();
            if (up != members || m.size() != members) {
                return "prefilter attached; cluster " + up + "/" + members + " up";
            }
            return "ready";
        } catch (RuntimeException e) {
            return "API: " + e.getMessage();
        }
    }

    /** Polls {@code condition} every 200 ms until it holds; throws naming {@code what} after {@code timeout}. */
    public static void await(BooleanSupplier condition, Duration timeout, java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "timed out after " + timeout.toSeconds() + " s waiting for " + what.get());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what.get(), e);
            }
        }
    }

    // --- logs ---

    /** The last {@code lines} lines of the node's log, prefixed for an error message ("" if there is none). */
    public String logTail(Node node, int lines) {
        return LabFiles.logTail(node, lines);
    }

    private String logTails(int lines) {
        StringBuilder sb = new StringBuilder();
        nodes.forEach(n -> sb.append(logTail(n, lines)));
        return sb.toString();
    }

    /** Copies every node's log and config into {@code dir} (before {@link #down} removes them). */
    public void saveLogs(Path dir) {
        LabFiles.saveLogs(nodes, dir);
    }

    private static Path findHome() {
        for (String env : List.of("MEMBRANE_HOME", "MEMBRANE_BPF_DIR")) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                Path p = Path.of(v).toAbsolutePath().normalize();
                Path home = env.equals("MEMBRANE_BPF_DIR") ? p.getParent() : p;
                if (home != null && Files.isRegularFile(home.resolve("bpf/bpf_xdp.c"))) {
                    return home;
                }
            }
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("bpf/bpf_xdp.c")) && Files.isRegularFile(p.resolve("conf/logback.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the Membrane checkout (set MEMBRANE_HOME)");
    }
}
