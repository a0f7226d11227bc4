package io.membrane.cluster;

import io.membrane.actors.cli.Cli;
import io.membrane.cluster.tls.TlsInitCommand;
import java.io.PrintStream;

/**
 * The `bin/membrane` entry point for the agent and its clients: the agent's {@link Cli} whose `agent` starts a
 * clustered node (the embedded default is a single-node cluster that joins itself), plus this module's commands:
 * `cluster tls-init` ({@link TlsInitCommand}) and the script's own commands ({@link LauncherCommands}). The lab
 * module adds `lab` and `demo` to this tree in its own entry point, since this module cannot depend on it.
 */
public final class ClusterCli {
    private ClusterCli() {}

    public static void main(String[] args) {
        Cli.exit(cli(System.out, System.err), args);
    }

    /** The whole command tree of bin/membrane; a module above this one adds its commands to it the same way. */
    public static Cli cli(PrintStream out, PrintStream err) {
        // A lambda, not ClusterNode::start: a client command then never loads the cluster's classes.
        Cli cli = new Cli(out, err, config -> ClusterNode.start(config));
        cli.addUnder("cluster", () -> new TlsInitCommand(out, err));
        LauncherCommands.addTo(cli);
        return cli;
    }
}
