package io.membrane.cluster.lab;

import io.membrane.actors.AgentConfig;
import io.membrane.actors.api.client.AdminApiException;
import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.model.AgentStatus;
import io.membrane.actors.api.model.ClusterStatus;
import io.membrane.cluster.ClusterCli;
import io.membrane.cluster.ClusterNode;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.net.NamespacePair;
import io.membrane.datapath.net.Netns;
import io.membrane.datapath.net.Netns.Command;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The multi-node lab on one machine: a fabric namespace {@value #FABRIC_NS} holding a bridge, node namespaces
 * {@code mbr-n1..mbr-nN} each joined to it by a veth ({@value #DEVICE} on the node's side, address
 * {@code 10.79.0.1N/24}), and a client namespace {@value #CLIENT_NS} on the same fabric with a few source
 * addresses ({@code 10.79.0.100..105}). Every node runs a real agent process that has entered only its node's
 * namespace ({@code nsenter --net}, so bpffs stays visible), with its own pin root under {@value #PIN_ROOT_NAME},
 * run directory (config, log, pid file, admin API socket) under {@value #RUN_ROOT_NAME}, the XDP prefilter on its
 * fabric device, its artery endpoint on its fabric address, and its metrics and health on 127.0.0.1:{@value
 * #API_PORT} inside its namespace. Its full API is the unix socket in its run directory, a file reachable from
 * any namespace. Nothing of the lab touches the root namespace's interfaces or routes.
 *
 * <p>{@link #up} builds it and waits until every node's API answers, its prefilter is attached and the cluster
 * has every node up; {@link #down()} removes everything it can find of a lab (processes, namespaces, pins, run
 * directories) and may be called any number of times, also with no lab at all. The names are fixed: there is
 * one lab per machine.
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
    public static final List<String> CLIENT_ADDRESSES = List.of(CLIENT, CLIENT_OTHER, "10.79.0.102", "10.79.0.103",
            "10.79.0.104", "10.79.0.105");
    static final String PIN_ROOT_NAME = "/sys/fs/bpf/membrane-lab";
    static final String RUN_ROOT_NAME = "/var/run/membrane-lab";
    public static final Path PIN_ROOT = Path.of(PIN_ROOT_NAME);
    public static final Path RUN_ROOT = Path.of(RUN_ROOT_NAME);
    public static final int ARTERY_PORT = 25520;
    public static final int API_PORT = 9876;
    public static final int MAX_NODES = 9;
    /**
     * Agent JVMs compile with C1 only (full C2 made a joining node slower: the JIT competes for the CPUs that
     * several agents and the build share). The heap may grow to 1 GiB: a node holding a cluster list of 100,000
     * CIDRs ran out of 384 MiB while the list loaded (whole keys in flight, serialized per peer and for the
     * durable store). It starts at 512 MiB: a fresh node that grew its heap from 64 MiB while it read such a
     * list spent its first seconds in full collections (joins of 4–9 s, against 3.8–4.9 s). The opens the agent
     * needs ({@link ClusterNode#REQUIRED_JVM_ARGS}) are always added, whatever the options say.
     */
    public static final List<String> DEFAULT_JVM_ARGS = List.of("-Xms512m", "-Xmx1g", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1");

    private static final Pattern NODE_NS = Pattern.compile("mbr-n\\d+");
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    /** How to build the lab and run its agents. */
    public record Options(int nodes, String xdpMode, Path home, String classpath, Path java, List<String> jvmArgs,
                          Duration startTimeout, int cidrCapacity) {
        /** Each node's prefilter maps (exact and LPM, per family): enough for tests and demos by default. */
        public static final int DEFAULT_CIDR_CAPACITY = 16_384;

        public Options {
            if (nodes < 1 || nodes > MAX_NODES) {
                throw new IllegalArgumentException("--nodes must be 1.." + MAX_NODES + ", was " + nodes);
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
            return new Options(3, "native", findHome(), System.getProperty("java.class.path"),
                    Path.of(System.getProperty("java.home"), "bin", "java"), DEFAULT_JVM_ARGS, Duration.ofSeconds(180),
                    DEFAULT_CIDR_CAPACITY);
        }

        public Options withNodes(int n) {
            return new Options(n, xdpMode, home, classpath, java, jvmArgs, startTimeout, cidrCapacity);
        }

        public Options withXdpMode(String mode) {
            return new Options(nodes, mode, home, classpath, java, jvmArgs, startTimeout, cidrCapacity);
        }

        public Options withJvmArgs(List<String> args) {
            return new Options(nodes, xdpMode, home, classpath, java, args, startTimeout, cidrCapacity);
        }

        /** The sizes of each node's maps: the prefilter maps at {@link #cidrCapacity}, the others small. */
        public DatapathMaps.Sizes mapSizes() {
            return new DatapathMaps.Sizes(cidrCapacity, cidrCapacity, 16_384, 1024, 16_384, 16_384, 1024);
        }

        public Options withCidrCapacity(int entries) {
            return new Options(nodes, xdpMode, home, classpath, java, jvmArgs, startTimeout, entries);
        }
    }

    /** One node of the lab: its namespace, fabric address, pin root and run directory. */
    public record Node(int index, String name, String namespace, String address, Path pinRoot, Path runDir) {
        static Node of(int index) {
            String name = "n" + index;
            return new Node(index, name, "mbr-" + name, "10.79.0." + (10 + index), PIN_ROOT.resolve(name),
                    RUN_ROOT.resolve(name));
        }

        public Path config() {
            return runDir.resolve("membrane.conf");
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
            lab.createNetwork();
            lab.writeState();
            for (Node n : lab.nodes) {
                lab.writeConfig(n);
            }
            for (Node n : lab.nodes) {
                lab.launch(n);
            }
            lab.awaitReady(lab.nodes, lab.nodes.size(), options.startTimeout());
            progress.accept(String.format("lab up: %d node(s) in %.1f s", lab.nodes.size(),
                    (System.nanoTime() - t0) / 1e9));
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
        return new Lab(options, s -> { });
    }

    /** The lab that {@link #up} left on this machine (read back from its state file), if there is one. */
    public static Optional<Lab> existing(Consumer<String> progress) {
        Path state = RUN_ROOT.resolve("lab.properties");
        if (!Files.isRegularFile(state)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(state)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + state, e);
        }
        String jvm = p.getProperty("jvm-args", "").strip();
        Options o = new Options(Integer.parseInt(p.getProperty("nodes")), p.getProperty("xdp-mode"),
                Path.of(p.getProperty("home")), p.getProperty("classpath"), Path.of(p.getProperty("java")),
                jvm.isEmpty() ? List.of() : List.of(jvm.split(" ")), Duration.parse(p.getProperty("start-timeout")),
                Integer.parseInt(p.getProperty("cidr-capacity", String.valueOf(Options.DEFAULT_CIDR_CAPACITY))));
        return Optional.of(new Lab(o, progress));
    }

    /** What of a lab is on this machine: namespaces, pin root, run directory, agent processes. */
    public static List<String> present() {
        List<String> found = new ArrayList<>(labNamespaces());
        if (Files.exists(PIN_ROOT)) {
            found.add(PIN_ROOT.toString());
        }
        if (Files.exists(RUN_ROOT)) {
            found.add(RUN_ROOT.toString());
        }
        labProcesses().forEach(pid -> found.add("agent pid " + pid));
        return found;
    }

    /**
     * Removes every trace of a lab: agent processes (SIGTERM, then SIGKILL after {@code 10 s}), namespaces
     * (with them the veths, the bridge and the XDP attachments), the pin root and the run directories. Safe to
     * call with no lab, a half-built one, or twice.
     */
    public static void down(Consumer<String> progress) {
        List<Long> pids = labProcesses();
        if (!pids.isEmpty()) {
            progress.accept("stopping agent(s) " + pids);
            stopAll(pids, STOP_GRACE);
        }
        List<String> namespaces = labNamespaces();
        for (String ns : namespaces) {
            Netns.delete(ns);
        }
        if (!namespaces.isEmpty()) {
            progress.accept("removed namespaces " + namespaces);
        }
        List<String> left = labNamespaces();
        if (!left.isEmpty()) {
            throw new IllegalStateException("could not remove namespaces " + left);
        }
        if (removeTree(PIN_ROOT)) {
            progress.accept("removed pins " + PIN_ROOT);
        }
        if (removeTree(RUN_ROOT)) {
            progress.accept("removed " + RUN_ROOT);
        }
    }

    /** {@link #down(Consumer)} quietly. */
    @Override
    public void close() {
        down(s -> { });
    }

    private void createNetwork() {
        progress.accept("creating namespaces " + FABRIC_NS + " (bridge " + BRIDGE + "), " + CLIENT_NS + ", "
                + nodes.stream().map(Node::namespace).toList());
        Netns.create(FABRIC_NS);
        Netns.exec(FABRIC_NS, "ip", "link", "set", "lo", "up").orThrow();
        Netns.exec(FABRIC_NS, "ip", "link", "add", BRIDGE, "type", "bridge").orThrow();
        Netns.exec(FABRIC_NS, "ip", "link", "set", BRIDGE, "up").orThrow();
        for (Node n : nodes) {
            join(n.namespace(), List.of(n.address()));
        }
        join(CLIENT_NS, CLIENT_ADDRESSES);
    }

    /** A namespace on the fabric: veth {@code ns} (bridge port) ↔ {@value #DEVICE} (inside ns) with addresses. */
    private static void join(String ns, List<String> addresses) {
        Netns.create(ns);
        Netns.exec(ns, "ip", "link", "set", "lo", "up").orThrow();
        // Both ends are created straight in their namespaces: nothing appears in the root namespace.
        Command.run("ip", "link", "add", ns, "netns", FABRIC_NS, "type", "veth", "peer", "name", DEVICE, "netns", ns)
                .orThrow();
        Netns.exec(FABRIC_NS, "ip", "link", "set", ns, "master", BRIDGE).orThrow();
        Netns.exec(FABRIC_NS, "ip", "link", "set", ns, "up").orThrow();
        for (String a : addresses) {
            Netns.exec(ns, "ip", "addr", "add", a + "/24", "dev", DEVICE).orThrow();
        }
        Netns.exec(ns, "ip", "link", "set", DEVICE, "up").orThrow();
    }

    private void writeState() {
        Properties p = new Properties();
        p.setProperty("nodes", String.valueOf(options.nodes()));
        p.setProperty("xdp-mode", options.xdpMode());
        p.setProperty("home", options.home().toString());
        p.setProperty("classpath", options.classpath());
        p.setProperty("java", options.java().toString());
        p.setProperty("jvm-args", String.join(" ", options.jvmArgs()));
        p.setProperty("start-timeout", options.startTimeout().toString());
        p.setProperty("cidr-capacity", String.valueOf(options.cidrCapacity()));
        try {
            Files.createDirectories(RUN_ROOT);
            try (OutputStream out = Files.newOutputStream(RUN_ROOT.resolve("lab.properties"))) {
                p.store(out, "bin/membrane lab: what lab down and restart need; removed by lab down");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the lab state under " + RUN_ROOT, e);
        }
    }

    /** The node's generated configuration: everything a node of this lab differs in. */
    String config(Node n) {
        DatapathMaps.Sizes sizes = options.mapSizes();
        int seeds = Math.min(3, nodes.size());
        StringBuilder seedList = new StringBuilder();
        for (int i = 0; i < seeds; i++) {
            seedList.append(i == 0 ? "" : ", ").append(quote(nodes.get(i).artery()));
        }
        return "# Node " + n.name() + " of the Membrane lab (bin/membrane lab up); removed by bin/membrane lab down.\n"
                + "membrane {\n"
                + "  pin-root = " + quote(n.pinRoot().toString()) + "\n"
                + "  run-dir = " + quote(n.runDir().toString()) + "\n"
                + "  bpf-dir = " + quote(options.home().resolve("bpf").toString()) + "\n"
                + "  # The full API is the socket " + AgentConfig.apiSocket(n.runDir()) + "; metrics and health on the"
                + " loopback of the node's own namespace (nsenter --net=/run/netns/" + n.namespace() + ")\n"
                + "  api { host = \"127.0.0.1\", port = " + API_PORT + " }\n"
                + "  devices = [{ name = " + quote(DEVICE) + ", xdp-mode = " + options.xdpMode() + " }]\n"
                + "  maps { cidr-fix = " + sizes.cidrFix() + ", cidr-dyn = " + sizes.cidrDyn() + ", ipcache = "
                + sizes.ipcache() + ", lxc = " + sizes.lxc() + ", ct4 = " + sizes.ct4() + ", ct6 = " + sizes.ct6()
                + ", policy = " + sizes.policy() + " }\n"
                + "  cluster.node-name = " + quote(n.name()) + "\n"
                + "}\n"
                + "pekko.remote.artery.canonical { hostname = " + quote(n.address()) + ", port = " + ARTERY_PORT + " }\n"
                + "pekko.cluster.seed-nodes = [" + seedList + "]\n";
    }

    private void writeConfig(Node n) {
        try {
            Files.createDirectories(n.runDir());
            Files.writeString(n.config(), config(n));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + n.config(), e);
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
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
        return nodes.stream().filter(n -> n.name().equals(name) || n.namespace().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + name + " in this lab (n1..n"
                        + nodes.size() + ")"));
    }

    /** The node's admin API, through its unix socket. */
    public AdminClient api(Node node) {
        return AdminClient.connect(node.api(), Duration.ofSeconds(3), Duration.ofSeconds(30));
    }

    /** The agent's pid if its process runs. */
    public OptionalLong pid(Node node) {
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

    public boolean isRunning(Node node) {
        return pid(node).isPresent();
    }

    /**
     * Starts the node's agent (it must not run) without waiting for it — in its namespace, in a session of its
     * own, output appended to its log; see {@link #awaitReady(Node)}.
     */
    public void launch(Node node) {
        if (isRunning(node)) {
            throw new IllegalStateException(node.name() + " already runs (pid " + pid(node).getAsLong() + ")");
        }
        List<String> cmd = new ArrayList<>(List.of("setsid", "nsenter", "--net=" + Netns.path(node.namespace()),
                options.java().toString()));
        // Not part of jvmArgs: those are tuning (and a lab made before the store was durable saved its own),
        // while without these the agent cannot keep the cluster deny list and refuses to start.
        cmd.addAll(ClusterNode.REQUIRED_JVM_ARGS);
        cmd.addAll(options.jvmArgs());
        cmd.add("-Dlogback.configurationFile=" + options.home().resolve("conf/logback.xml"));
        cmd.addAll(List.of("-cp", options.classpath(), ClusterCli.class.getName(), "agent", "--config",
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
    public void kill9(Node node) {
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
    public void stop(Node node) {
        OptionalLong pid = pid(node);
        if (pid.isPresent()) {
            stopAll(List.of(pid.getAsLong()), STOP_GRACE);
            progress.accept("stopped " + node.name());
        }
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
        Netns.exec(node.namespace(), "ip", "link", "set", "dev", DEVICE, "xdp", "off");
        removeTree(node.pinRoot());
        try (Stream<Path> files = Files.list(node.runDir())) {
            for (Path f : files.toList()) {
                if (!f.equals(node.config()) && !f.equals(node.log())) {
                    removeTree(f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + node.runDir(), e);
        }
        progress.accept("wiped " + node.name() + " (pins, run state)");
    }

    /** Waits until the node answers, its prefilter is attached and it sees every running node up. */
    public void awaitReady(Node node) {
        awaitReady(List.of(node), (int) nodes.stream().filter(this::isRunning).count(), options.startTimeout());
    }

    /** Pings {@code to}'s fabric address from the client namespace with source {@code from}; returns replies. */
    public int ping(String from, Node to, int count) {
        Command.Result r = Netns.exec(CLIENT_NS, "ping", "-n", "-q", "-c", String.valueOf(count), "-i", "0.2", "-W",
                "1", "-I", from, to.address());
        return NamespacePair.repliesIn(r.output());
    }

    // --- cluster views ---

    /** GET /v1/cluster of {@code node}. */
    public ClusterStatus cluster(Node node) {
        try {
            return api(node).cluster();
        } catch (AdminApiException e) {
            throw new IllegalStateException(node.name() + ": GET /v1/cluster: HTTP " + e.status() + " "
                    + e.error().oneLine(), e);
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
        await(() -> {
            try {
                Map<String, String> m = members(observer);
                return m.size() == count && m.values().stream().allMatch("up"::equals);
            } catch (RuntimeException e) {
                return false;
            }
        }, timeout, () -> observer.name() + " to see " + count + " members up (sees " + safeMembers(observer) + ")");
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
        await(() -> {
            boolean all = true;
            for (Node n : which) {
                String state = readiness(n, members);
                if (!state.equals(states.put(n.name(), state))) {
                    progress.accept(n.name() + ": " + state);
                }
                all &= state.equals("ready");
            }
            return all;
        }, timeout, () -> "every node ready " + states);
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
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for "
                        + what.get());
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
        try {
            if (!Files.isRegularFile(node.log())) {
                return "";
            }
            List<String> all = Files.readAllLines(node.log(), StandardCharsets.UTF_8);
            return "\n--- " + node.log() + " (last " + Math.min(lines, all.size()) + " lines) ---\n"
                    + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "\n(cannot read " + node.log() + ": " + e.getMessage() + ")";
        }
    }

    private String logTails(int lines) {
        StringBuilder sb = new StringBuilder();
        nodes.forEach(n -> sb.append(logTail(n, lines)));
        return sb.toString();
    }

    /** Copies every node's log and config into {@code dir} (before {@link #down} removes them). */
    public void saveLogs(Path dir) {
        try {
            Files.createDirectories(dir);
            for (Node n : nodes) {
                for (Path f : List.of(n.log(), n.config())) {
                    if (Files.isRegularFile(f)) {
                        Files.copy(f, dir.resolve(n.name() + "-" + f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the lab logs to " + dir, e);
        }
    }

    // --- finding and stopping what a lab left ---

    private static List<String> labNamespaces() {
        List<String> out = new ArrayList<>();
        String[] names = Netns.RUN_DIR.toFile().list();
        if (names == null) {
            return out;
        }
        Arrays.sort(names);
        for (String name : names) {
            if (name.equals(FABRIC_NS) || name.equals(CLIENT_NS) || NODE_NS.matcher(name).matches()) {
                out.add(name);
            }
        }
        return out;
    }

    /** Agent processes this lab started: their command line runs ClusterCli with a config under the run root. */
    static List<Long> labProcesses() {
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
        return cmd.contains(ClusterCli.class.getName()) && i >= 0 && i + 1 < cmd.size()
                && cmd.get(i + 1).startsWith(RUN_ROOT + "/");
    }

    private static boolean isAgentOf(long pid, Node node) {
        List<String> cmd = cmdline(pid);
        int i = cmd.indexOf("--config");
        return isLabAgent(cmd) && cmd.get(i + 1).equals(node.config().toString());
    }

    private static void stopAll(List<Long> pids, Duration grace) {
        List<ProcessHandle> handles = pids.stream().map(ProcessHandle::of).flatMap(Optional::stream).toList();
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

    /** Deletes a directory tree (bpffs pins included); true if there was one. */
    private static boolean removeTree(Path root) {
        if (!Files.exists(root)) {
            return false;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root + ": " + e.getMessage(), e);
        }
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
