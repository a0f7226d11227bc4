package io.membrane.cluster;

import io.membrane.actors.cli.Cli;
import io.membrane.actors.demo.Demo;
import io.membrane.cluster.lab.LabCli;
import io.membrane.cluster.tls.TlsInitCommand;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/**
 * The `bin/membrane` entry point for everything that runs Java: the agent's {@link Cli} whose `agent` starts a
 * clustered node (the embedded default is a single-node cluster that joins itself), plus this module's commands:
 * `cluster tls-init` ({@link TlsInitCommand}), `lab` ({@link LabCli}), `demo`, and the script's own commands
 * ({@link LauncherCommands}) so that `bin/membrane help` and the completion cover everything.
 */
public final class ClusterCli {
    private ClusterCli() {
    }

    public static void main(String[] args) {
        Cli.exit(cli(System.out, System.err), args);
    }

    /** The whole command tree of bin/membrane; a module above this one adds its commands to it the same way. */
    public static Cli cli(PrintStream out, PrintStream err) {
        // A lambda, not ClusterNode::start: a client command then never loads the cluster's classes.
        Cli cli = new Cli(out, err, config -> ClusterNode.start(config));
        cli.addUnder("cluster", () -> new TlsInitCommand(out, err));
        cli.add("lab", () -> new Lab(cli)).add("demo", () -> new DemoCommand(cli));
        LauncherCommands.addTo(cli);
        return cli;
    }

    @Command(name = "lab", description = {"A cluster of agent processes in namespaces mbr-n1..mbr-nN on a private"
            + " fabric (10.79.0.0/24): up, down, status, kill, stop, restart, ping; lab NODE COMMAND... runs a client"
            + " command inside a node's namespace.", "The lab's own commands: bin/membrane lab help"})
    private static final class Lab implements Callable<Integer> {
        private final Cli cli;

        @Unmatched
        List<String> args = new ArrayList<>();

        Lab(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            return new LabCli(cli.out(), cli.err()).run(args);
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true, description = {"The agent (single-node default) with a"
            + " small lab: blocks a source, shows the drops, keeps running with the API up (Ctrl-C stops it and"
            + " removes the lab)."})
    private static final class DemoCommand implements Callable<Integer> {
        private final Cli cli;

        @Parameters(paramLabel = "CONFIG", arity = "0..1", description = "the agent's config (conf/membrane.conf)")
        Path config = Path.of("conf/membrane.conf");

        DemoCommand(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() throws Exception {
            cli.runsUntilStopped();
            Demo.run(config, c -> ClusterNode.start(c));
            return 0;
        }
    }
}
