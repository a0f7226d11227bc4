package io.membrane.lab;

import io.membrane.actors.api.model.ClusterStatus;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code bin/membrane lab ...}: up, down, status, kill, stop, restart and ping over {@link Lab}. (A client
 * command for one node, {@code bin/membrane lab n1 status}, is bin/membrane pointing the CLI at the node's socket.)
 * Exit codes: 0 done, 1 failed, 2 usage.
 *
 * @param out where results go
 * @param err where errors and progress go
 */
public record LabCli(PrintStream out, PrintStream err) {
    static String usage() {
        return """
                usage: bin/membrane lab <command>
                  up [--nodes N] [--xdp-mode native|generic]   build the lab and start one agent per node (default 3)
                  down                                          stop the agents, remove namespaces, pins, run dirs
                  status                                        each node's process, API and view of the cluster
                  kill NODE | stop NODE | restart NODE          kill -9, SIGTERM, or (re)start a node's agent
                  ping FROM NODE [COUNT]                        ping NODE's fabric address from the client
                                                                namespace with source FROM (10.79.0.100..105)
                  endpoint add NODE NAME [--labels k=v,...]     a workload namespace behind a veth into NODE,
                                                                registered as an endpoint (address from NODE's
                                                                pod CIDR 10.241.N.0/24)
                  endpoint delete NAME | endpoint list          remove a workload; every workload and its endpoint
                  exec NAME COMMAND...                          run COMMAND inside workload NAME
                  NODE COMMAND...                               any client command against NODE's API socket, e.g.
                                                                bin/membrane lab n1 cluster""";
    }

    public int run(List<String> argv) {
        List<String> args = new ArrayList<>(argv);
        if (args.isEmpty()) {
            err.println(usage());
            return 2;
        }
        String cmd = args.remove(0);
        try {
            return switch (cmd) {
                case "up" -> up(args);
                case "down" -> {
                    noMore(args);
                    Lab.down(this::say);
                    say("lab down: nothing of the lab is left");
                    yield 0;
                }
                case "status" -> {
                    noMore(args);
                    yield status();
                }
                case "kill", "stop", "restart" -> {
                    if (args.size() != 1) {
                        throw new IllegalArgumentException(cmd + " needs one node (n1, n2, ...)");
                    }
                    Lab lab = existing();
                    Lab.Node node = lab.node(args.get(0));
                    switch (cmd) {
                        case "kill" -> lab.kill9(node);
                        case "stop" -> lab.stop(node);
                        default -> {
                            lab.restart(node);
                            say(node.name() + " is back: " + lab.members(node).size() + " members");
                        }
                    }
                    yield 0;
                }
                case "ping" -> {
                    if (args.size() < 2 || args.size() > 3) {
                        throw new IllegalArgumentException("ping needs FROM NODE [COUNT]");
                    }
                    Lab lab = existing();
                    int count = args.size() == 3 ? Integer.parseInt(args.get(2)) : 3;
                    Lab.Node node = lab.node(args.get(1));
                    int replies = lab.ping(args.get(0), node, count);
                    out.printf(
                            "%s -> %s (%s): %d/%d replies%n", args.get(0), node.name(), node.address(), replies, count);
                    yield replies > 0 ? 0 : 1;
                }
                case "endpoint" -> endpoint(args);
                case "exec" -> {
                    if (args.size() < 2) {
                        throw new IllegalArgumentException("exec needs NAME COMMAND...");
                    }
                    existing();
                    try {
                        yield LabWorkloads.exec(args.get(0), args.subList(1, args.size()));
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException("cannot run " + args.get(1) + ": " + e.getMessage(), e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        yield 1;
                    }
                }
                case "help", "-h", "--help" -> {
                    out.println(usage());
                    yield 0;
                }
                default -> {
                    err.println("membrane lab: unknown command '" + cmd + "'\n" + usage());
                    yield 2;
                }
            };
        } catch (IllegalArgumentException e) {
            err.println("membrane lab: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            err.println("membrane lab: " + e.getMessage());
            return 1;
        }
    }

    private int endpoint(List<String> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("endpoint what? add NODE NAME [--labels k=v,...], delete NAME, list");
        }
        LabWorkloads workloads = new LabWorkloads(existing());
        String sub = args.remove(0);
        switch (sub) {
            case "add" -> {
                List<String> labels = List.of();
                if (args.size() == 4 && args.get(2).equals("--labels")) {
                    labels = List.of(args.get(3).split(",", -1));
                } else if (args.size() != 2) {
                    throw new IllegalArgumentException("endpoint add needs NODE NAME [--labels k=v,...]");
                }
                Lab.Node node = existing().node(args.get(0));
                LabWorkloads.Running r = workloads.add(node, args.get(1), labels);
                out.printf(
                        "workload %s on %s: endpoint %d, %s, identity %d, %s (bin/membrane lab exec %s ...)%n",
                        r.name(),
                        node.name(),
                        r.endpoint().id(),
                        r.address(),
                        r.endpoint().identity(),
                        r.endpoint().state(),
                        r.name());
            }
            case "delete" -> {
                if (args.size() != 1) {
                    throw new IllegalArgumentException("endpoint delete needs NAME");
                }
                workloads.delete(args.get(0));
                out.println("workload " + args.get(0) + " deleted");
            }
            case "list" -> {
                noMore(args);
                String row = "%-12s %-5s %-9s %-15s %-9s %-12s %s%n";
                out.printf(row, "WORKLOAD", "NODE", "ENDPOINT", "IPv4", "IDENTITY", "STATUS", "LABELS");
                for (LabWorkloads.Running r : workloads.list()) {
                    out.printf(
                            row,
                            r.name(),
                            r.node().name(),
                            r.endpoint().id(),
                            r.address(),
                            r.endpoint().identity(),
                            r.endpoint().state(),
                            String.join(",", r.endpoint().labels()));
                }
            }
            default -> throw new IllegalArgumentException("endpoint " + sub + "? add, delete or list");
        }
        return 0;
    }

    private int up(List<String> args) {
        Lab.Options o = Lab.Options.defaults();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException("unknown or incomplete option " + a);
            }
            switch (a) {
                case "--nodes" -> o = o.withNodes(Integer.parseInt(args.get(++i)));
                case "--xdp-mode" -> o = o.withXdpMode(args.get(++i));
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        // Ctrl-C while the lab is coming up takes down what was made; once it is up (or up has failed and cleaned
        // up after itself, or refused because a lab is already here), it stays as it is.
        AtomicBoolean done = new AtomicBoolean();
        Thread hook = new Thread(
                () -> {
                    if (!done.get()) {
                        err.println("membrane lab: interrupted; removing the half-built lab");
                        Lab.down(s -> {});
                    }
                },
                "lab-up-interrupted");
        List<String> found = Lab.present();
        if (!found.isEmpty()) {
            throw new IllegalStateException("a lab is already here (" + String.join(", ", found)
                    + "); remove it first with: bin/membrane lab down");
        }
        Runtime.getRuntime().addShutdownHook(hook);
        Lab lab;
        try {
            lab = Lab.up(o, this::say);
        } finally {
            done.set(true);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to
            }
        }
        out.println();
        out.printf(
                "Lab of %d nodes on fabric 10.79.0.0/24 (bridge %s in namespace %s); client namespace %s with %s%n",
                lab.nodes().size(), Lab.BRIDGE, Lab.FABRIC_NS, Lab.CLIENT_NS, String.join(", ", Lab.CLIENT_ADDRESSES));
        for (Lab.Node n : lab.nodes()) {
            out.printf(
                    "  %-3s ns %-7s %-11s pid %-7s api %s%n      pins %s  log %s%n",
                    n.name(), n.namespace(), n.address(), lab.pid(n).orElse(-1), n.api(), n.pinRoot(), n.log());
        }
        Lab.Node first = lab.node(1);
        Lab.Node last = lab.node(lab.nodes().size());
        out.println();
        out.println("Each node's API is the unix socket in its run dir (metrics and health on 127.0.0.1:" + Lab.API_PORT
                + " inside its namespace). Try:");
        out.println("  bin/membrane lab " + first.name() + " cluster                      # members and registry");
        out.println("  bin/membrane lab ping " + Lab.CLIENT + " " + last.name() + "               # the client reaches "
                + last.address());
        out.println("  bin/membrane lab " + first.name() + " prefilter add " + Lab.CLIENT + "/32 --scope cluster");
        out.println("  bin/membrane lab ping " + Lab.CLIENT + " " + last.name() + "               # now dropped by "
                + last.name() + "'s XDP prefilter");
        out.println("  bin/membrane lab ping " + Lab.CLIENT_OTHER + " " + last.name()
                + "               # another source" + " still passes");
        out.println("  bin/membrane lab " + last.name() + " prefilter get                 # the entry reached "
                + last.name());
        out.println("  bin/membrane lab kill " + last.name() + "; bin/membrane lab restart " + last.name()
                + "   # kill -9, then rejoin");
        out.println("  bin/membrane status --api " + first.api() + "   # the same as lab " + first.name() + " status");
        out.println("  bin/membrane monitor --config " + first.config() + "   # live drop events of " + first.name());
        out.println("  bin/membrane lab down");
        return 0;
    }

    private int status() {
        var found = Lab.existing(this::say);
        if (found.isEmpty()) {
            List<String> left = Lab.present();
            out.println(
                    left.isEmpty() ? "no lab" : "no lab state, but leftovers: " + left + " (bin/membrane lab down)");
            return left.isEmpty() ? 0 : 1;
        }
        Lab lab = found.get();
        int bad = 0;
        for (Lab.Node n : lab.nodes()) {
            OptionalLong pid = lab.pid(n);
            String view;
            try {
                ClusterStatus c = lab.cluster(n);
                StringBuilder sb = new StringBuilder();
                for (ClusterStatus.Member m : c.members()) {
                    String addr = m.address();
                    sb.append(sb.length() == 0 ? "" : ", ")
                            .append(addr.substring(addr.indexOf('@') + 1))
                            .append(' ')
                            .append(m.status())
                            .append(m.reachable() ? "" : " (unreachable)");
                }
                view = "members: " + sb;
            } catch (RuntimeException e) {
                view = "API not answering";
                bad++;
            }
            out.printf(
                    "%-3s %-11s %-14s %s%n",
                    n.name(), n.address(), pid.isPresent() ? "pid " + pid.getAsLong() : "not running", view);
        }
        return bad == 0 ? 0 : 1;
    }

    private Lab existing() {
        return Lab.existing(this::say).orElseThrow(() -> new IllegalStateException("no lab (bin/membrane lab up)"));
    }

    private void say(String s) {
        err.println("lab: " + s);
    }

    private static void noMore(List<String> args) {
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("unexpected arguments " + args);
        }
    }
}
