package io.membrane.cluster;

import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.actors.cli.Cli;
import io.membrane.actors.demo.Demo;
import io.membrane.cluster.lab.LabCli;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The `bin/membrane` entry point for everything that runs Java: `agent` and `demo` start a clustered node
 * (the embedded default is a single-node cluster that joins itself); `lab` builds and runs the multi-node lab
 * ({@link io.membrane.cluster.lab.Lab}); every other command is the agent's CLI.
 */
public final class ClusterCli {
    private ClusterCli() {
    }

    public static void main(String[] args) throws Exception {
        String cmd = args.length > 0 ? args[0] : "";
        if (cmd.equals("agent")) {
            agent(new ArrayList<>(List.of(args).subList(1, args.length)));
            return;
        }
        if (cmd.equals("lab")) {
            System.exit(new LabCli(System.out, System.err).run(List.of(args).subList(1, args.length)));
            return;
        }
        if (cmd.equals("demo")) {
            Demo.run(args.length > 1 ? Path.of(args[1]) : Path.of("conf/membrane.conf"), ClusterNode::start);
            return;
        }
        System.exit(new Cli(System.out, System.err).run(args));
    }

    private static void agent(List<String> args) throws InterruptedException {
        int i = args.indexOf("--config");
        Optional<Path> config = i >= 0 && i + 1 < args.size() ? Optional.of(Path.of(args.get(i + 1))) : Optional.empty();
        AgentNode node;
        try {
            node = ClusterNode.start(AgentConfig.load(config));
        } catch (RuntimeException e) {
            System.err.println("membrane: " + e.getMessage());
            System.exit(1);
            return;
        }
        System.out.println("membrane agent running; admin API on " + node.apiBase() + " (Ctrl-C stops the agent; the"
                + " datapath stays)");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "membrane-shutdown"));
        stopped.await();
    }
}
