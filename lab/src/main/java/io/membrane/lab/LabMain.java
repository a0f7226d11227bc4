package io.membrane.lab;

import io.membrane.actors.cli.Cli;
import io.membrane.cluster.ClusterCli;
import io.membrane.cluster.ClusterNode;
import io.membrane.lab.demo.Demo;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/**
 * The whole `bin/membrane` command tree: {@link ClusterCli}'s, plus `lab …` and `demo [CONFIG]`. It lives here
 * rather than in the cluster module because that module must not depend on the lab; the agents the lab starts
 * still run {@code ClusterCli agent}, and the client commands run {@code ClusterCli} (fewer classes to load).
 */
public final class LabMain {
    private LabMain() {}

    public static void main(String[] args) {
        Cli.exit(cli(System.out, System.err), args);
    }

    /** ClusterCli's tree with the lab's commands added. */
    public static Cli cli(PrintStream out, PrintStream err) {
        Cli cli = ClusterCli.cli(out, err);
        cli.add("lab", () -> new Lab(cli)).add("demo", () -> new DemoCommand(cli));
        return cli;
    }

    @Command(
            name = "lab",
            description = {
                "A cluster of agent processes in namespaces mbr-n1..mbr-nN on a private"
                        + " fabric (10.79.0.0/24): up, down, status, kill, stop, restart, ping; lab NODE COMMAND... runs a client"
                        + " command inside a node's namespace.",
                "The lab's own commands: bin/membrane lab help"
            })
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

    @Command(
            name = "demo",
            mixinStandardHelpOptions = true,
            description = {
                "The agent (single-node default) with a"
                        + " small lab: blocks a source, shows the drops, keeps running with the API up (Ctrl-C stops it and"
                        + " removes the lab)."
            })
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
            Demo.run(config, ClusterNode::start);
            return 0;
        }
    }
}
