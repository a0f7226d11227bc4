package io.membrane.cluster;

import io.membrane.actors.cli.Cli;
import io.membrane.actors.demo.Demo;
import io.membrane.cluster.lab.LabCli;
import io.membrane.cluster.tls.TlsInitCommand;
import java.nio.file.Path;
import java.util.List;

/**
 * The `bin/membrane` entry point for everything that runs Java: `agent` and `demo` start a clustered node
 * (the embedded default is a single-node cluster that joins itself); `lab` builds and runs the multi-node lab
 * ({@link io.membrane.cluster.lab.Lab}); `cluster tls-init` makes the key material for a TLS cluster
 * ({@link TlsInitCommand}); every other command is the agent's CLI.
 */
public final class ClusterCli {
    private ClusterCli() {
    }

    public static void main(String[] args) throws Exception {
        String cmd = args.length > 0 ? args[0] : "";
        if (cmd.equals("lab")) {
            System.exit(new LabCli(System.out, System.err).run(List.of(args).subList(1, args.length)));
            return;
        }
        if (cmd.equals("cluster") && args.length > 1 && args[1].equals("tls-init")) {
            System.exit(new TlsInitCommand(System.out, System.err).run(List.of(args).subList(2, args.length)));
            return;
        }
        if (cmd.equals("demo")) {
            Demo.run(args.length > 1 ? Path.of(args[1]) : Path.of("conf/membrane.conf"), ClusterNode::start);
            return;
        }
        int code = new Cli(System.out, System.err, ClusterNode::start).run(args);
        if (code != 0 || !cmd.equals("agent")) {
            System.exit(code);
        }
    }
}
