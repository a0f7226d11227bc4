package io.membrane.cluster;

import io.membrane.actors.cli.Cli;
import io.membrane.cluster.tls.TlsInitCommand;
import java.util.List;

/**
 * The `bin/membrane` entry point for the agent and its clients: `agent` starts a clustered node (the embedded
 * default is a single-node cluster that joins itself); `cluster tls-init` makes the key material for a TLS
 * cluster ({@link TlsInitCommand}); every other command is the agent's CLI. The lab and the demo have their own
 * entry point in the lab module, which depends on this one.
 */
public final class ClusterCli {
    private ClusterCli() {
    }

    public static void main(String[] args) throws Exception {
        String cmd = args.length > 0 ? args[0] : "";
        if (cmd.equals("cluster") && args.length > 1 && args[1].equals("tls-init")) {
            System.exit(new TlsInitCommand(System.out, System.err).run(List.of(args).subList(2, args.length)));
            return;
        }
        int code = new Cli(System.out, System.err, ClusterNode::start).run(args);
        if (code != 0 || !cmd.equals("agent")) {
            System.exit(code);
        }
    }
}
