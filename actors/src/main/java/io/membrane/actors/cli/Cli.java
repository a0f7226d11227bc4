package io.membrane.actors.cli;

import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.actors.api.client.AdminApiException;
import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.client.AdminUnreachableException;
import io.membrane.actors.api.model.AgentStatus;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.ClusterStatus;
import io.membrane.actors.api.model.IdentityInfo;
import io.membrane.actors.api.model.MapDump;
import io.membrane.actors.api.model.MapInfo;
import io.membrane.actors.api.model.PrefilterChange;
import io.membrane.actors.api.model.PrefilterChanged;
import io.membrane.actors.api.model.PrefilterState;
import io.membrane.actors.monitor.EventFormat;
import io.membrane.actors.monitor.MonitorClient;
import io.membrane.actors.monitor.MonitorProtocolException;
import io.membrane.maps.net.Cidr;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The `bin/membrane` commands that run Java: the agent itself, and the clients of its admin API. picocli parses
 * the arguments from the annotations of the command classes below, which are also the one source of the usage
 * text ({@code bin/membrane help}) and of the bash completion ({@code bin/membrane completion}). A module adds
 * its own commands with {@link #add} and {@link #addUnder} (the cluster module adds {@code cluster tls-init}, the
 * lab and the demo); this library knows none of them. Every error is one readable line on stderr and a
 * non-zero exit code (1 for a refused or failed request or an unreachable agent, 2 for a usage error); output
 * meant for scripts goes to stdout.
 */
@Command(
        name = "membrane",
        mixinStandardHelpOptions = true,
        version = "membrane 0.1.0",
        description = "A node agent for an eBPF datapath: the agent and its clients.",
        footer = "%nClient commands talk to the agent's admin API at TARGET (default " + Cli.DEFAULT_API
                + "; --api TARGET or the environment variable MEMBRANE_API).")
public final class Cli implements Callable<Integer> {
    static final String DEFAULT_API = AdminClient.DEFAULT_TARGET;
    /** How a usage error ends: where the whole usage text is. */
    private static final String HELP_HINT = " (bin/membrane help)";
    /** Fixed: picocli's automatic width runs a process to ask the terminal. */
    private static final int USAGE_WIDTH = 110;

    private final PrintStream out;
    private final PrintStream err;
    private final Function<AgentConfig, AgentNode> starter;
    /** Top-level command name → how to make it (with its subcommands), in the order of the usage text. */
    private final Map<String, Supplier<Object>> commands = new LinkedHashMap<>();
    /** Commands a module added under a top-level one: its name → how to make them. */
    private final Map<String, List<Supplier<Object>>> nested = new LinkedHashMap<>();

    private CommandLine commandLine;
    private boolean untilStopped;

    @Option(
            names = "--api",
            paramLabel = "TARGET",
            scope = ScopeType.INHERIT,
            description = "where the agent's admin API is (default $MEMBRANE_API, else " + DEFAULT_API + ")")
    String api;

    public Cli(PrintStream out, PrintStream err) {
        this(out, err, AgentNode::start);
    }

    /** @param starter how `agent` starts a node (the cluster module passes its clustered start) */
    public Cli(PrintStream out, PrintStream err, Function<AgentConfig, AgentNode> starter) {
        this.out = out;
        this.err = err;
        this.starter = starter;
        add("agent", Agent::new);
        add("status", Status::new);
        add("prefilter", () -> new CommandLine(new Prefilter())
                .addSubcommand(new PrefilterGet())
                .addSubcommand(new PrefilterAdd())
                .addSubcommand(new PrefilterDelete()));
        add("map", () -> new CommandLine(new MapCommand())
                .addSubcommand(new MapList())
                .addSubcommand(new MapGet()));
        IpCommands.addTo(this);
        EndpointCommands.addTo(this);
        add("monitor", Monitor::new);
        add("cluster", Cluster::new);
        add("identity", () -> new CommandLine(new IdentityCommand())
                .addSubcommand(new IdentityList())
                .addSubcommand(new IdentityGet()));
        add("uninstall", Uninstall::new);
        add("help", CommandLine.HelpCommand::new);
        add("completion", Completion::new);
    }

    public static void main(String[] args) {
        exit(new Cli(System.out, System.err), args);
    }

    /**
     * Runs {@code args} and exits the JVM with its code — unless a command left something running until the JVM
     * stops (the agent: its shutdown hook stops it, and System.exit from there would wait forever).
     */
    public static void exit(Cli cli, String[] args) {
        int code = cli.run(args);
        if (code != 0 || !cli.untilStopped) {
            System.exit(code);
        }
    }

    /**
     * Adds top-level command {@code name}: {@code command} makes it when a run needs it — an {@code @Command} object,
     * or a picocli {@code CommandLine} of one with its subcommands. This is how a module adds its commands.
     */
    public Cli add(String name, Supplier<Object> command) {
        commands.put(name, command);
        return this;
    }

    /** Adds a command under top-level command {@code parent} (the cluster module's {@code cluster tls-init}). */
    public Cli addUnder(String parent, Supplier<Object> command) {
        nested.computeIfAbsent(parent, p -> new ArrayList<>()).add(command);
        return this;
    }

    /** The whole command tree: what the usage text and the completion show. */
    public CommandLine commandLine() {
        return tree(commands.keySet());
    }

    /**
     * A tree with the top-level commands {@code names} only. picocli reflects over every command it is given, which
     * costs a client command a good part of its start; a run builds only the branch it names.
     */
    private CommandLine tree(Collection<String> names) {
        CommandLine root = new CommandLine(this);
        for (String name : names) {
            Object made = commands.get(name).get();
            CommandLine command = made instanceof CommandLine c ? c : new CommandLine(made);
            for (Supplier<Object> child : nested.getOrDefault(name, List.of())) {
                command.addSubcommand(child.get());
            }
            root.addSubcommand(name, command);
        }
        return root;
    }

    /** The top-level command {@code argv} names, alone; every command when it names none or asks for help. */
    private Collection<String> needed(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("--api")) {
                i++;
            } else if (!argv[i].startsWith("--api=")) {
                return commands.containsKey(argv[i]) && !argv[i].equals("help") ? List.of(argv[i]) : commands.keySet();
            }
        }
        return commands.keySet();
    }

    /** The streams this CLI writes to, for a command a module adds. */
    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    /** For a command that returns while what it started keeps the JVM up (the agent, the demo). */
    public void runsUntilStopped() {
        untilStopped = true;
    }

    public int run(String[] argv) {
        commandLine = tree(needed(argv));
        commandLine
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF))
                .setUsageHelpWidth(USAGE_WIDTH)
                .setParameterExceptionHandler((e, args) -> {
                    err.println("membrane: " + usageError(e));
                    return 2;
                })
                .setExecutionExceptionHandler((e, cmd, parsed) -> failure(e));
        return commandLine.execute(argv);
    }

    /** No command given. */
    @Override
    public Integer call() {
        throw new ParameterException(commandLine, "which command?");
    }

    /** The one client of the admin API this CLI talks to, from --api or MEMBRANE_API. */
    AdminClient client() {
        String target = api != null ? api : Objects.requireNonNullElse(System.getenv("MEMBRANE_API"), DEFAULT_API);
        return AdminClient.connect(target);
    }

    private static String usageError(ParameterException e) {
        String where = e.getCommandLine().getCommandSpec().qualifiedName(" ").replaceFirst("^membrane ?", "");
        String prefix = where.isEmpty() ? "" : where + ": ";
        if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String first = u.getUnmatched().get(0);
            if (first.startsWith("-")) {
                return prefix + "unknown option " + first + HELP_HINT;
            }
            if (!e.getCommandLine().getSubcommands().isEmpty()) {
                return "unknown command '" + (where.isEmpty() ? "" : where + " ") + first + "'" + HELP_HINT;
            }
            return prefix + "unexpected argument(s): " + String.join(" ", u.getUnmatched()) + HELP_HINT;
        }
        return prefix + e.getMessage() + HELP_HINT;
    }

    private int failure(Exception e) throws Exception {
        if (e instanceof CliException c) {
            err.println("membrane: " + c.getMessage());
            return c.exitCode();
        }
        if (e instanceof AdminApiException a) {
            err.println("membrane: " + a.error().oneLine());
            return 1;
        }
        if (e instanceof AdminUnreachableException u) {
            err.println("membrane: " + unreachable(u));
            return 1;
        }
        if (e instanceof IllegalArgumentException
                || e instanceof IllegalStateException
                || e instanceof UncheckedIOException) {
            err.println("membrane: " + e.getMessage());
            return 1;
        }
        throw e;
    }

    private static String unreachable(AdminUnreachableException e) {
        if (e.refused()) {
            return "cannot reach the agent at " + e.target() + " (is it running? start it with: bin/membrane agent)";
        }
        return e.interrupted()
                ? "interrupted"
                : "talking to the agent at " + e.target() + ": " + e.getCause().getMessage();
    }

    /**
     * What every command here has: {@code --help} and {@code --version}. picocli applies a superclass's
     * {@code @Command} attributes to its subclasses, so the commands below state only their own.
     */
    @Command(mixinStandardHelpOptions = true)
    abstract static class StandardCommand implements Callable<Integer> {}

    /** A command that only groups others: invoked alone, it names them. */
    abstract static class Group extends StandardCommand {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            throw new ParameterException(
                    spec.commandLine(),
                    "needs one of: "
                            + String.join(
                                    ", ",
                                    spec.subcommands().values().stream()
                                            .map(CommandLine::getCommandName)
                                            .distinct()
                                            .toList()));
        }
    }

    // --- agent ---

    @Command(name = "agent", description = "Run the agent in the foreground (Ctrl-C stops it; the datapath stays).")
    private final class Agent extends StandardCommand {
        @Option(names = "--config", paramLabel = "FILE", description = "the agent's config (default: the embedded one)")
        Path config;

        @Override
        public Integer call() {
            AgentNode node = starter.apply(AgentConfig.load(Optional.ofNullable(config)));
            out.println("membrane agent running; admin API on " + node.apiBase() + " (Ctrl-C stops the agent; the"
                    + " datapath stays)");
            runsUntilStopped();
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                node.close();
                                stopped.countDown();
                            },
                            "membrane-shutdown"));
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }
    }

    // --- status ---

    /** A command that shows one reply of the API: as text for people, or with --json as the API gave it. */
    private abstract class Report<T> extends StandardCommand {
        @Option(names = "--json", description = "the API's reply as JSON")
        boolean json;

        private final Function<AdminClient, T> fetch;

        Report(Function<AdminClient, T> fetch) {
            this.fetch = fetch;
        }

        /** For a report whose request depends on its own options: it overrides {@link #fetch}. */
        Report() {
            this(null);
        }

        T fetch(AdminClient api) {
            return fetch.apply(api);
        }

        abstract void print(T reply);

        @Override
        public Integer call() {
            T reply = fetch(client());
            if (json) {
                out.println(ApiJson.pretty(reply));
            } else {
                print(reply);
            }
            return 0;
        }
    }

    @Command(name = "status", description = "What the agent has: devices, maps, prefilter, events.")
    private final class Status extends Report<AgentStatus> {
        Status() {
            super(AdminClient::status);
        }

        @Override
        void print(AgentStatus s) {
            out.printf(
                    "Prefilter:   revision %d, %d entries%n",
                    s.prefilter().revision(), s.prefilter().entries());
            out.println("Devices:");
            if (s.devices().isEmpty()) {
                out.println("  (none configured)");
            }
            for (AgentStatus.Device d : s.devices()) {
                out.printf(
                        "  %-24s %-10s %s%s%n",
                        d.device(),
                        d.state(),
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
            if (s.endpoints() != null) {
                List<String> counts = new ArrayList<>();
                s.endpoints().forEach((state, n) -> {
                    if (n > 0) {
                        counts.add(n + " " + state);
                    }
                });
                out.println("Endpoints:   " + (counts.isEmpty() ? "none" : String.join(", ", counts)));
            }
        }
    }

    // --- prefilter ---

    @Command(name = "prefilter", description = "The deny list of source CIDRs.")
    private static final class Prefilter extends Group {}

    @Command(name = "get", aliases = "list", description = "The deny list and its revision.")
    private final class PrefilterGet extends StandardCommand {
        @Override
        public Integer call() {
            PrefilterState p = client().prefilter();
            out.println("Revision: " + p.revision());
            p.deny().forEach(out::println);
            return 0;
        }
    }

    /** What add and delete share: the CIDRs, where they come from, and the request's conditions. */
    private abstract class PrefilterEdit extends StandardCommand {
        @Parameters(paramLabel = "CIDR", arity = "0..*", description = "an address or prefix (198.51.100.0/24)")
        List<String> arguments = List.of();

        @Option(names = "--file", paramLabel = "FILE", description = "one CIDR per line; '#' starts a comment")
        Path file;

        @Option(names = "--revision", paramLabel = "N", description = "refused unless the deny list is at N")
        Long revision;

        @Option(
                names = "--scope",
                paramLabel = "SCOPE",
                completionCandidates = Scopes.class,
                description = "node (the default) or cluster")
        String scope;

        abstract boolean adds();

        @Override
        public Integer call() {
            String verb = adds() ? "add" : "delete";
            List<String> cidrs = new ArrayList<>();
            if (file != null) {
                cidrs.addAll(readCidrFile(file));
            }
            for (String a : arguments) {
                try {
                    cidrs.add(Cidr.parse(a).toString());
                } catch (IllegalArgumentException e) {
                    throw new CliException(e.getMessage());
                }
            }
            if (cidrs.isEmpty()) {
                throw new CliException("prefilter " + verb + ": give CIDRs as arguments or --file FILE", 2);
            }
            PrefilterChange change = new PrefilterChange(cidrs, revision, scope);
            progress("sending " + cidrs.size() + " CIDR(s)…");
            AdminClient api = client();
            PrefilterChanged r = adds() ? api.addToPrefilter(change) : api.removeFromPrefilter(change);
            progressDone();
            out.printf("%s %d CIDR(s); revision %d%n", adds() ? "added" : "deleted", r.changed(), r.revision());
            return 0;
        }
    }

    @Command(name = "add", description = "Add CIDRs to the deny list (all or none).")
    private final class PrefilterAdd extends PrefilterEdit {
        @Override
        boolean adds() {
            return true;
        }
    }

    @Command(name = "delete", description = "Remove CIDRs from the deny list (all or none).")
    private final class PrefilterDelete extends PrefilterEdit {
        @Override
        boolean adds() {
            return false;
        }
    }

    /** The values of --scope, for the completion. */
    static final class Scopes implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("node", "cluster").iterator();
        }
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

    @Command(name = "map", description = "The agent's maps, decoded.")
    private static final class MapCommand extends Group {}

    @Command(name = "list", description = "Every map: type, entries, size, pin.")
    private final class MapList extends StandardCommand {
        @Override
        public Integer call() {
            for (MapInfo m : client().maps().maps()) {
                out.printf(
                        "%-24s %-16s %8d / %-8d %s%n",
                        m.name(), m.type(), m.entries(), m.maxEntries(), Objects.toString(m.pinPath(), ""));
            }
            return 0;
        }
    }

    @Command(name = "get", description = "One map's entries, decoded.")
    private final class MapGet extends StandardCommand {
        @Parameters(paramLabel = "NAME", arity = "1", description = "as map list shows it (membrane_cidr4_fix)")
        String name;

        @Override
        public Integer call() {
            MapDump m = client().map(name);
            if (m.entries() != null) {
                for (MapDump.Entry e : m.entries()) {
                    out.println(e.key() + " -> " + e.value());
                }
            } else {
                out.println(Objects.toString(m.note(), ""));
            }
            return 0;
        }
    }

    // --- cluster ---

    @Command(name = "cluster", description = "Members, their status and reachability, and the node registry.")
    private final class Cluster extends Report<ClusterStatus> {
        Cluster() {
            super(AdminClient::cluster);
        }

        @Override
        void print(ClusterStatus c) {
            out.println("Self:    " + c.self());
            out.println("Leader:  " + Objects.toString(c.leader(), "(none)"));
            out.println("Members:");
            for (ClusterStatus.Member m : c.members()) {
                out.printf(
                        "  %-40s %-8s %s%s%n",
                        m.address(),
                        m.status(),
                        m.reachable() ? "reachable" : "UNREACHABLE",
                        m.self() ? "  (self)" : "");
            }
            out.println("Registry:");
            c.registry()
                    .forEach((name, n) -> out.printf(
                            "  %-12s api %-22s underlay %-15s joined %s%n",
                            name, n.address(), n.underlay(), java.time.Instant.ofEpochMilli(n.joinedAtMillis())));
        }
    }

    // --- identities ---

    @Command(
            name = "identity",
            mixinStandardHelpOptions = true,
            description = "Security identities: numbers and the label sets they stand for.")
    private static final class IdentityCommand extends Group {}

    /** Cilium's columns: the number, then one label per line. */
    private void printIdentities(List<IdentityInfo> identities) {
        out.printf("%-10s %s%n", "ID", "LABELS");
        for (IdentityInfo i : identities) {
            List<String> labels = i.labels().isEmpty() ? List.of("") : i.labels();
            out.printf("%-10d %s%n", i.id(), labels.get(0));
            for (String label : labels.subList(1, labels.size())) {
                out.printf("%-10s %s%n", "", label);
            }
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "Every identity the agent knows (reserved and the cluster's table).")
    private final class IdentityList extends Report<List<IdentityInfo>> {
        @Option(names = "--labels", paramLabel = "LABELS", description = "only the identity of this label set")
        String labels;

        @Override
        List<IdentityInfo> fetch(AdminClient api) {
            return labels == null ? api.identities() : List.of(api.identityOf(labels));
        }

        @Override
        void print(List<IdentityInfo> reply) {
            printIdentities(reply);
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "One identity, and the nodes that use it.")
    private final class IdentityGet extends Report<IdentityInfo> {
        @Parameters(paramLabel = "ID", arity = "1", description = "the identity's number")
        String id;

        @Override
        IdentityInfo fetch(AdminClient api) {
            return api.identity(id);
        }

        @Override
        void print(IdentityInfo i) {
            printIdentities(List.of(i));
            out.println("Scope:     " + i.scope());
            out.println("Used by:   " + (i.nodesUsing().isEmpty() ? "(no node)" : String.join(", ", i.nodesUsing())));
        }
    }

    // --- monitor ---

    /** Streams the agent's events from its monitor socket until the agent stops or the user does. */
    @Command(name = "monitor", description = "Live events from the agent's monitor socket (Ctrl-C stops).")
    private final class Monitor extends StandardCommand {
        @Option(names = "--json", description = "each event as a JSON line")
        boolean json;

        @Option(
                names = "--type",
                paramLabel = "TYPE",
                completionCandidates = EventTypes.class,
                description = "only these types (repeatable): ${COMPLETION-CANDIDATES}")
        List<String> types = new ArrayList<>();

        @Option(names = "--socket", paramLabel = "PATH", description = "the monitor socket (default: the config's)")
        Path socket;

        @Option(names = "--config", paramLabel = "FILE", description = "the agent's config, for its monitor socket")
        Path config;

        @Override
        public Integer call() {
            for (String t : types) {
                if (!EventFormat.TYPES.contains(t)) {
                    throw new CliException("--type " + t + ": expected one of " + EventFormat.TYPES, 2);
                }
            }
            Path from = socket != null
                    ? socket
                    : AgentConfig.load(Optional.ofNullable(config)).monitorSocket();
            MonitorClient.Options options = MonitorClient.Options.DEFAULT.withClient("membrane-cli");
            if (!types.isEmpty()) {
                options = options.withTypes(types);
            }
            try (MonitorClient client = MonitorClient.connect(from, options)) {
                if (!json) {
                    err.println("Listening for events on " + from + " (protocol v" + client.version()
                            + (types.isEmpty() ? "" : ", types " + types) + "). Press Ctrl-C to quit");
                }
                MonitorClient.End end = client.forEach(r -> out.println(json ? r.json() : EventFormat.line(r.event())));
                if (end.kind() == MonitorClient.End.Kind.DROPPED) {
                    throw new CliException("the agent dropped this monitor: " + end.reason());
                }
            } catch (MonitorProtocolException e) {
                throw new CliException("monitor socket " + from + ": " + e.getMessage());
            } catch (IOException e) {
                throw new CliException("cannot connect to the monitor socket " + from + " (is the agent running? "
                        + e.getMessage() + ")");
            }
            return 0;
        }
    }

    /** The values of --type, for the usage text and the completion. */
    static final class EventTypes implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return EventFormat.TYPES.iterator();
        }
    }

    // --- uninstall ---

    @Command(
            name = "uninstall",
            description = "Detach the prefilter, remove the pins, generated files and the durable cluster deny list"
                    + " of this node.")
    private final class Uninstall extends StandardCommand {
        @Option(names = "--config", paramLabel = "FILE", description = "the agent's config (default: the embedded one)")
        Path config;

        @Override
        public Integer call() {
            Uninstaller.run(AgentConfig.load(Optional.ofNullable(config)), out, err);
            return 0;
        }
    }

    // --- completion ---

    @Command(
            name = "completion",
            description = "Print a bash completion script for every command: source <(bin/membrane completion)")
    private final class Completion extends StandardCommand {
        @Override
        public Integer call() {
            out.print(AutoComplete.bash("membrane", commandLine()));
            // The script completes the word `membrane`; people type the script's path.
            out.println("complete -F _complete_membrane -o default bin/membrane ./bin/membrane");
            return 0;
        }
    }
}
