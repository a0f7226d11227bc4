package io.membrane.actors.cli;

import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.actors.api.client.AdminApiException;
import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.client.AdminUnreachableException;
import io.membrane.actors.api.model.AgentStatus;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.ClusterStatus;
import io.membrane.actors.api.model.MapDump;
import io.membrane.actors.api.model.MapInfo;
import io.membrane.actors.api.model.PrefilterChange;
import io.membrane.actors.api.model.PrefilterChanged;
import io.membrane.actors.api.model.PrefilterState;
import io.membrane.actors.monitor.EventFormat;
import io.membrane.actors.monitor.MonitorClient;
import io.membrane.actors.monitor.MonitorProtocolException;
import io.membrane.datapath.Xdp;
import io.membrane.datapath.net.Devices;
import io.membrane.datapath.net.Netns;
import io.membrane.maps.BpfFs;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Cidr;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The `bin/membrane` commands that run Java: the agent itself, and the clients of its admin API. Every error
 * is one readable line on stderr and a non-zero exit code (1 for a refused or failed request, 2 for a usage
 * error); output meant for scripts goes to stdout.
 */
public final class Cli {
    static final String DEFAULT_API = AdminClient.DEFAULT_TARGET;

    private final PrintStream out;
    private final PrintStream err;
    private final Function<AgentConfig, AgentNode> starter;

    public Cli(PrintStream out, PrintStream err) {
        this(out, err, AgentNode::start);
    }

    /** @param starter how `agent` starts a node (the cluster module passes its clustered start) */
    public Cli(PrintStream out, PrintStream err, Function<AgentConfig, AgentNode> starter) {
        this.out = out;
        this.err = err;
        this.starter = starter;
    }

    public static void main(String[] args) {
        int code = new Cli(System.out, System.err).run(args);
        if (code != 0 || !(args.length > 0 && args[0].equals("agent"))) {
            System.exit(code);
        }
    }

    public int run(String[] argv) {
        List<String> args = new ArrayList<>(List.of(argv));
        try {
            String api = option(args, "--api").orElse(Optional.ofNullable(System.getenv("MEMBRANE_API")).orElse(DEFAULT_API));
            if (args.isEmpty()) {
                throw new CliException(usage(), 2);
            }
            String cmd = args.remove(0);
            switch (cmd) {
                case "agent" -> agent(args);
                case "status" -> status(AdminClient.connect(api), args);
                case "prefilter" -> prefilter(AdminClient.connect(api), args);
                case "map" -> map(AdminClient.connect(api), args);
                case "cluster" -> cluster(AdminClient.connect(api), args);
                case "uninstall" -> uninstall(args);
                case "monitor" -> monitor(args);
                default -> throw new CliException("unknown command '" + cmd + "'\n" + usage(), 2);
            }
            return 0;
        } catch (CliException e) {
            err.println("membrane: " + e.getMessage());
            return e.exitCode();
        } catch (AdminApiException e) {
            err.println("membrane: " + e.error().oneLine());
            return 1;
        } catch (AdminUnreachableException e) {
            err.println("membrane: " + unreachable(e));
            return 1;
        } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            err.println("membrane: " + e.getMessage());
            return 1;
        }
    }

    private static String unreachable(AdminUnreachableException e) {
        if (e.refused()) {
            return "cannot reach the agent at " + e.target() + " (is it running? start it with: bin/membrane agent)";
        }
        return e.interrupted() ? "interrupted" : "talking to the agent at " + e.target() + ": " + e.getCause().getMessage();
    }

    static String usage() {
        return "usage: membrane agent [--config FILE] | status [--json] | prefilter get|add|delete [CIDR... | --file F]"
                + " [--revision N] [--scope node|cluster] | map list | map get NAME | monitor [--json]"
                + " [--type drop|policy-verdict|lost] [--socket PATH] | cluster [--json] | uninstall [--config FILE]"
                + "   (client commands take --api URL, default " + DEFAULT_API + ")";
    }

    // --- agent ---

    private void agent(List<String> args) throws CliException {
        AgentConfig config = AgentConfig.load(option(args, "--config").map(Path::of));
        noMoreArgs(args);
        AgentNode node = starter.apply(config);
        out.println("membrane agent running; admin API on " + node.apiBase() + " (Ctrl-C stops the agent; the"
                + " datapath stays)");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "membrane-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- status ---

    private void status(AdminClient api, List<String> args) {
        boolean json = flag(args, "--json");
        noMoreArgs(args);
        AgentStatus s = api.status();
        if (json) {
            out.println(ApiJson.pretty(s));
            return;
        }
        out.printf("Prefilter:   revision %d, %d entries%n", s.prefilter().revision(), s.prefilter().entries());
        out.println("Devices:");
        if (s.devices().isEmpty()) {
            out.println("  (none configured)");
        }
        for (AgentStatus.Device d : s.devices()) {
            out.printf("  %-24s %-10s %s%s%n", d.device(), d.state(),
                    d.mode() != null ? d.mode() + " prog " + Objects.requireNonNullElse(d.programId(), 0) : "",
                    d.error() != null ? "  " + d.error() : "");
        }
        out.println("Maps:");
        for (MapInfo m : s.maps()) {
            out.printf("  %-24s %-16s %8d / %d%n", m.name(), m.type(), m.entries(), m.maxEntries());
        }
        if (s.events() != null) {
            out.println("Events:      " + ApiJson.compact(s.events()));
        }
    }

    // --- prefilter ---

    private void prefilter(AdminClient api, List<String> args) {
        if (args.isEmpty()) {
            throw new CliException("prefilter needs get, add or delete", 2);
        }
        String sub = args.remove(0);
        if (sub.equals("get") || sub.equals("list")) {
            noMoreArgs(args);
            PrefilterState p = api.prefilter();
            out.println("Revision: " + p.revision());
            p.deny().forEach(out::println);
            return;
        }
        if (!sub.equals("add") && !sub.equals("delete")) {
            throw new CliException("prefilter " + sub + ": expected get, add or delete", 2);
        }
        Optional<String> file = option(args, "--file");
        Optional<String> revision = option(args, "--revision");
        Optional<String> scope = option(args, "--scope");
        List<String> cidrs = new ArrayList<>();
        if (file.isPresent()) {
            cidrs.addAll(readCidrFile(Path.of(file.get())));
        }
        for (String a : args) {
            if (a.startsWith("--")) {
                throw new CliException("unknown option " + a, 2);
            }
            try {
                cidrs.add(Cidr.parse(a).toString());
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
        }
        if (cidrs.isEmpty()) {
            throw new CliException("prefilter " + sub + ": give CIDRs as arguments or --file FILE", 2);
        }
        PrefilterChange change = new PrefilterChange(cidrs, revision.map(r -> {
            try {
                return Long.parseLong(r);
            } catch (NumberFormatException e) {
                throw new CliException("--revision " + r + ": not a number", 2);
            }
        }).orElse(null), scope.orElse(null));
        progress("sending " + cidrs.size() + " CIDR(s)…");
        PrefilterChanged r = sub.equals("add") ? api.addToPrefilter(change) : api.removeFromPrefilter(change);
        progressDone();
        out.printf("%s %d CIDR(s); revision %d%n", sub.equals("add") ? "added" : "deleted", r.changed(), r.revision());
    }

    /** One CIDR per line; '#' starts a comment; an unparsable line stops with its line number. */
    List<String> readCidrFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
        List<String> cidrs = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (text.isEmpty()) {
                continue;
            }
            try {
                cidrs.add(Cidr.parse(text).toString());
            } catch (IllegalArgumentException e) {
                throw new CliException(file + ":" + (i + 1) + ": " + e.getMessage());
            }
            if (i % 5_000 == 0) {
                progress("reading " + file.getFileName() + ": line " + (i + 1) + " of " + lines.size());
            }
        }
        return cidrs;
    }

    private void progress(String text) {
        if (System.console() != null) {
            err.print("\r" + text + "\033[K");
            err.flush();
        }
    }

    private void progressDone() {
        if (System.console() != null) {
            err.print("\r\033[K");
            err.flush();
        }
    }

    // --- maps ---

    private void map(AdminClient api, List<String> args) {
        if (args.isEmpty()) {
            throw new CliException("map needs list or get NAME", 2);
        }
        String sub = args.remove(0);
        switch (sub) {
            case "list" -> {
                noMoreArgs(args);
                for (MapInfo m : api.maps().maps()) {
                    out.printf("%-24s %-16s %8d / %-8d %s%n", m.name(), m.type(), m.entries(), m.maxEntries(),
                            Objects.toString(m.pinPath(), ""));
                }
            }
            case "get" -> {
                if (args.size() != 1) {
                    throw new CliException("map get needs exactly one map name", 2);
                }
                MapDump m = api.map(args.get(0));
                if (m.entries() != null) {
                    for (MapDump.Entry e : m.entries()) {
                        out.println(e.key() + " -> " + e.value());
                    }
                } else {
                    out.println(Objects.toString(m.note(), ""));
                }
            }
            default -> throw new CliException("map " + sub + ": expected list or get", 2);
        }
    }

    // --- cluster ---

    private void cluster(AdminClient api, List<String> args) {
        boolean json = flag(args, "--json");
        noMoreArgs(args);
        ClusterStatus c = api.cluster();
        if (json) {
            out.println(ApiJson.pretty(c));
            return;
        }
        out.println("Self:    " + c.self());
        out.println("Leader:  " + Objects.toString(c.leader(), "(none)"));
        out.println("Members:");
        for (ClusterStatus.Member m : c.members()) {
            out.printf("  %-40s %-8s %s%s%n", m.address(), m.status(), m.reachable() ? "reachable" : "UNREACHABLE",
                    m.self() ? "  (self)" : "");
        }
        out.println("Registry:");
        c.registry().forEach((name, n) -> out.printf("  %-12s api %-22s underlay %-15s joined %s%n", name,
                n.address(), n.underlay(), java.time.Instant.ofEpochMilli(n.joinedAtMillis())));
    }

    // --- monitor ---

    /** Streams the agent's events from its monitor socket until the agent stops or the user does. */
    private void monitor(List<String> args) {
        boolean json = flag(args, "--json");
        List<String> types = new ArrayList<>();
        for (Optional<String> t = option(args, "--type"); t.isPresent(); t = option(args, "--type")) {
            if (!EventFormat.TYPES.contains(t.get())) {
                throw new CliException("--type " + t.get() + ": expected one of " + EventFormat.TYPES, 2);
            }
            types.add(t.get());
        }
        Path socket = option(args, "--socket").map(Path::of).orElseGet(() ->
                AgentConfig.load(option(args, "--config").map(Path::of)).monitorSocket());
        noMoreArgs(args);
        MonitorClient.Options options = MonitorClient.Options.DEFAULT.withClient("membrane-cli");
        if (!types.isEmpty()) {
            options = options.withTypes(types);
        }
        try (MonitorClient client = MonitorClient.connect(socket, options)) {
            if (!json) {
                err.println("Listening for events on " + socket + " (protocol v" + client.version()
                        + (types.isEmpty() ? "" : ", types " + types) + "). Press Ctrl-C to quit");
            }
            MonitorClient.End end = client.forEach(r -> out.println(json ? r.json() : EventFormat.line(r.event())));
            if (end.kind() == MonitorClient.End.Kind.DROPPED) {
                throw new CliException("the agent dropped this monitor: " + end.reason());
            }
        } catch (MonitorProtocolException e) {
            throw new CliException("monitor socket " + socket + ": " + e.getMessage());
        } catch (java.io.IOException e) {
            throw new CliException("cannot connect to the monitor socket " + socket + " (is the agent running? "
                    + e.getMessage() + ")");
        }
    }

    // --- uninstall ---

    /**
     * Removes what the agent installed: the prefilter from its devices, the pins, the generated files, and the
     * cluster's durable store, so a node installed again starts from what the cluster holds, not from an old copy.
     */
    private void uninstall(List<String> args) {
        AgentConfig config = AgentConfig.load(option(args, "--config").map(Path::of));
        noMoreArgs(args);
        for (AgentConfig.Device d : config.devices()) {
            try {
                boolean removed = d.netns().isPresent() && !Files.exists(Netns.path(d.netns().get())) ? false
                        : inNetns(d, () -> {
                            OptionalInt idx = Devices.ifindex(d.name());
                            if (idx.isEmpty() || Xdp.query(idx.getAsInt()).programId() == 0) {
                                return false;
                            }
                            Xdp.detach(idx.getAsInt(), Xdp.query(idx.getAsInt()).mode().orElse(d.mode()));
                            return true;
                        });
                out.println((removed ? "detached the prefilter from " : "nothing attached to ") + d.label());
            } catch (RuntimeException e) {
                err.println("membrane: could not detach from " + d.label() + ": " + e.getMessage());
            }
        }
        if (Files.exists(config.pinRoot()) && BpfFs.isBpfFs(config.pinRoot())) {
            PinnedMaps.at(config.pinRoot()).removeAll();
            out.println("removed the pins under " + config.pinRoot());
        }
        for (Path p : List.of(config.headerDir(), config.objectCacheDir(), config.monitorSocket(),
                config.runDir().resolve("prefilter.revision"))) {
            deleteTree(p);
        }
        out.println("removed generated headers and objects under " + config.runDir());
        if (Files.exists(config.ddataDir())) {
            deleteTree(config.ddataDir());
            out.println("removed the cluster's durable store " + config.ddataDir());
        }
    }

    private static <T> T inNetns(AgentConfig.Device d, java.util.concurrent.Callable<T> work) {
        if (d.netns().isPresent()) {
            return Netns.call(d.netns().get(), work);
        }
        try {
            return work.call();
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p, e);
        }
    }

    // --- argument helpers ---

    static Optional<String> option(List<String> args, String name) {
        int i = args.indexOf(name);
        if (i < 0) {
            return Optional.empty();
        }
        if (i + 1 >= args.size()) {
            throw new CliException(name + " needs a value", 2);
        }
        String v = args.get(i + 1);
        args.remove(i + 1);
        args.remove(i);
        return Optional.of(v);
    }

    static boolean flag(List<String> args, String name) {
        return args.remove(name);
    }

    static void noMoreArgs(List<String> args) {
        if (!args.isEmpty()) {
            throw new CliException("unexpected argument(s): " + String.join(" ", args), 2);
        }
    }
}
