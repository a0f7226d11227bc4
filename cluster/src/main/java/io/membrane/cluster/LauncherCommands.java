package io.membrane.cluster;

import io.membrane.actors.cli.Cli;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.UnmatchedArgsBinding;
import picocli.CommandLine.ParameterException;

/**
 * The commands bin/membrane runs itself (the build, the test suite, the benchmarks and the maps demo, each with
 * its own main class and class path), declared here so that the one usage text ({@code bin/membrane help}) and
 * the bash completion list them beside the Java commands. Run through this entry point they refuse with exit 2.
 * They are one table: a script command is only a name, a description and its subcommands, so each is built from
 * its row rather than declared as a class of its own.
 */
final class LauncherCommands {
    private LauncherCommands() {}

    /** One command the script runs itself, with the script commands under it. */
    private record Script(String name, String description, List<Script> under) {
        Script(String name, String description) {
            this(name, description, List.of());
        }
    }

    private static final List<Script> SCRIPTS = List.of(
            new Script("setup", "Install the system packages and build, then exit."),
            new Script("build", "Build now (also done automatically when sources changed)."),
            new Script(
                    "format",
                    "Format the Java (palantir-java-format) and the BPF C (clang-format) in place; the build"
                            + " checks both."),
            new Script(
                    "test",
                    "Run the whole test suite (kernel tests included); extra arguments go to Maven (-Dtest=X)."),
            new Script(
                    "bench",
                    "Benchmarks; each writes its section of BENCHMARKS.md and ends with a JSON line.",
                    List.of(
                            new Script("maps", "The maps layer against a C loop over libbpf."),
                            new Script("datapath", "The BPF programs (BPF_PROG_TEST_RUN) against bare floors."),
                            new Script(
                                    "agent",
                                    "The agent: a PATCH of 10,000 CIDRs; the event pump against a C consumer."),
                            new Script(
                                    "cluster",
                                    "A 3-node lab: a cluster-scoped PATCH to node 3's map; a fresh node joining"
                                            + " 100k CIDRs."),
                            new Script(
                                    "cli",
                                    "A client command's wall time (bin/membrane status) against bpftool map show's."),
                            new Script(
                                    "identity",
                                    "A 3-node lab: identity allocation, ipcache propagation, a node joining 50k"
                                            + " identities."),
                            new Script(
                                    "endpoint",
                                    "Endpoint create → ready, regeneration and restore against a cold compile and a"
                                            + " bare load."))),
            new Script(
                    "maps",
                    "The maps layer on its own: maps demo.",
                    List.of(new Script(
                            "demo", "Create, pin, fill and print a few maps under /sys/fs/bpf/membrane-demo."))));

    static void addTo(Cli cli) {
        for (Script script : SCRIPTS) {
            cli.add(script.name(), () -> command(script));
        }
    }

    /** A picocli command for {@code script}: any arguments, and the refusal when Java is asked to run it. */
    private static CommandLine command(Script script) {
        Refusal refusal = new Refusal();
        CommandSpec spec = CommandSpec.wrapWithoutInspection(refusal).name(script.name());
        spec.usageMessage().description(script.description());
        spec.addUnmatchedArgsBinding(UnmatchedArgsBinding.forStringArrayConsumer(new CommandLine.Model.ISetter() {
            @Override
            public <T> T set(T value) {
                return null; // the script gets the arguments; here they are only accepted
            }
        }));
        refusal.spec = spec;
        CommandLine command = new CommandLine(spec);
        for (Script child : script.under()) {
            command.addSubcommand(command(child));
        }
        return command;
    }

    /** What a script command does when run through Java: points at bin/membrane. */
    private static final class Refusal implements Callable<Integer> {
        private CommandSpec spec;

        @Override
        public Integer call() {
            throw new ParameterException(
                    spec.commandLine(),
                    "bin/membrane runs this itself: bin/membrane "
                            + spec.qualifiedName(" ").replaceFirst("^membrane ", ""));
        }
    }
}
