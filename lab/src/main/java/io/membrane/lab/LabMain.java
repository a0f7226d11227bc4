package io.membrane.lab;

import io.membrane.cluster.ClusterNode;
import io.membrane.lab.demo.Demo;
import java.nio.file.Path;
import java.util.List;

/**
 * The `bin/membrane lab …` and `bin/membrane demo [CONFIG]` entry point. It lives here rather than in
 * {@link io.membrane.cluster.ClusterCli} because the cluster module must not depend on the lab; the agents the
 * lab starts still run {@code ClusterCli agent}.
 */
public final class LabMain {
    private LabMain() {
    }

    public static void main(String[] args) throws Exception {
        String cmd = args.length > 0 ? args[0] : "";
        switch (cmd) {
            case "lab" -> System.exit(new LabCli(System.out, System.err).run(List.of(args).subList(1, args.length)));
            case "demo" -> Demo.run(args.length > 1 ? Path.of(args[1]) : Path.of("conf/membrane.conf"),
                    ClusterNode::start);
            default -> {
                System.err.println("membrane: LabMain runs 'lab ...' or 'demo [CONFIG]', not '" + cmd + "'");
                System.exit(2);
            }
        }
    }
}
