package io.membrane.cluster;

import io.membrane.actors.cli.Cli;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * The commands bin/membrane runs itself (the build, the test suite, the benchmarks and the maps demo, each with
 * its own main class and class path), declared here so that the one usage text ({@code bin/membrane help}) and
 * the bash completion list them beside the Java commands. Run through this entry point they refuse with exit 2.
 */
final class LauncherCommands {
    private LauncherCommands() {}

    static void addTo(Cli cli) {
        cli.add("setup", Setup::new)
                .add("build", Build::new)
                .add("test", Test::new)
                .add("bench", () -> new CommandLine(new Bench())
                        .addSubcommand(new BenchMaps())
                        .addSubcommand(new BenchDatapath())
                        .addSubcommand(new BenchAgent())
                        .addSubcommand(new BenchCluster())
                        .addSubcommand(new BenchCli()))
                .add("maps", () -> new CommandLine(new Maps()).addSubcommand(new MapsDemo()));
    }

    /** What every script command shares: any arguments, and the refusal when Java is asked to run it. */
    private abstract static class ScriptCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Unmatched
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            throw new ParameterException(
                    spec.commandLine(),
                    "bin/membrane runs this itself: bin/membrane "
                            + spec.qualifiedName(" ").replaceFirst("^membrane ", ""));
        }
    }

    @Command(name = "setup", description = "Install the system packages and build, then exit.")
    private static final class Setup extends ScriptCommand {}

    @Command(name = "build", description = "Build now (also done automatically when sources changed).")
    private static final class Build extends ScriptCommand {}

    @Command(
            name = "test",
            description =
                    "Run the whole test suite (kernel tests included); extra arguments go to" + " Maven (-Dtest=X).")
    private static final class Test extends ScriptCommand {}

    @Command(
            name = "bench",
            description = "Benchmarks; each writes its section of BENCHMARKS.md and ends with a JSON" + " line.")
    private static final class Bench extends ScriptCommand {}

    @Command(name = "maps", description = "The maps layer on its own: maps demo.")
    private static final class Maps extends ScriptCommand {}

    @Command(name = "demo", description = "Create, pin, fill and print a few maps under /sys/fs/bpf/membrane-demo.")
    private static final class MapsDemo extends ScriptCommand {}

    @Command(name = "maps", description = "The maps layer against a C loop over libbpf.")
    private static final class BenchMaps extends ScriptCommand {}

    @Command(name = "datapath", description = "The BPF programs (BPF_PROG_TEST_RUN) against bare floors.")
    private static final class BenchDatapath extends ScriptCommand {}

    @Command(name = "agent", description = "The agent: a PATCH of 10,000 CIDRs; the event pump against a C consumer.")
    private static final class BenchAgent extends ScriptCommand {}

    @Command(
            name = "cluster",
            description = "A 3-node lab: a cluster-scoped PATCH to node 3's map; a fresh node" + " joining 100k CIDRs.")
    private static final class BenchCluster extends ScriptCommand {}

    @Command(
            name = "cli",
            description = "A client command's wall time (bin/membrane status) against bpftool map" + " show's.")
    private static final class BenchCli extends ScriptCommand {}
}
