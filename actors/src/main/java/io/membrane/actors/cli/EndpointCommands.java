package io.membrane.actors.cli;

import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.EndpointChange;
import io.membrane.actors.api.model.EndpointModel;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The endpoint commands, as {@code cilium-dbg endpoint}: {@code list} with Cilium's columns, {@code get}, {@code
 * log}, {@code add}, {@code delete} and {@code labels}, all through the admin API.
 */
final class EndpointCommands {
    private EndpointCommands() {}

    static void addTo(Cli cli) {
        cli.add("endpoint", () -> new CommandLine(new EndpointGroup())
                .addSubcommand(new EndpointList(cli))
                .addSubcommand(new EndpointGet(cli))
                .addSubcommand(new EndpointLog(cli))
                .addSubcommand(new EndpointAdd(cli))
                .addSubcommand(new EndpointDelete(cli))
                .addSubcommand(new EndpointLabels(cli)));
    }

    @Command(name = "endpoint", description = "This node's endpoints: their state, identity, addresses and log.")
    static final class EndpointGroup extends Cli.Group {}

    /** What every endpoint command shares: the CLI, and --json for the API's reply as it came. */
    abstract static class EndpointCommand extends Cli.StandardCommand {
        final Cli cli;

        @Option(names = "--json", description = "the API's reply as JSON")
        boolean json;

        EndpointCommand(Cli cli) {
            this.cli = cli;
        }

        /** Prints {@code reply} as JSON with --json, else as {@code text} does. */
        <T> Integer show(T reply, java.util.function.Consumer<T> text) {
            if (json) {
                cli.out().println(ApiJson.pretty(reply));
            } else {
                text.accept(reply);
            }
            return 0;
        }

        void table(List<EndpointModel> endpoints) {
            PrintStream out = cli.out();
            String row = "%-9s %-20s %-20s %-9s %-36s %-24s %-16s %s%n";
            out.printf(
                    row,
                    "ENDPOINT",
                    "POLICY (ingress)",
                    "POLICY (egress)",
                    "IDENTITY",
                    "LABELS (source:key[=value])",
                    "IPv6",
                    "IPv4",
                    "STATUS");
            out.printf(row, "", "ENFORCEMENT", "ENFORCEMENT", "", "", "", "", "");
            for (EndpointModel e : endpoints) {
                List<String> labels = e.labels().isEmpty() ? List.of("") : e.labels();
                out.printf(
                        row,
                        e.id(),
                        capitalized(e.policy().ingressEnforcement()),
                        capitalized(e.policy().egressEnforcement()),
                        e.identity(),
                        labels.get(0),
                        e.addressing().ipv6() == null ? "" : e.addressing().ipv6(),
                        e.addressing().ipv4() == null ? "" : e.addressing().ipv4(),
                        e.state());
                for (String label : labels.subList(1, labels.size())) {
                    out.printf(row, "", "", "", "", label, "", "", "");
                }
            }
        }

        private static String capitalized(String s) {
            return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
        }

        void details(EndpointModel e) {
            PrintStream out = cli.out();
            out.println("Endpoint:    " + e.id());
            out.println("State:       " + e.state());
            out.println("Identity:    " + e.identity());
            out.println("Labels:      " + String.join(", ", e.labels()));
            out.println("IPv4:        "
                    + (e.addressing().ipv4() == null ? "" : e.addressing().ipv4()));
            out.println("IPv6:        "
                    + (e.addressing().ipv6() == null ? "" : e.addressing().ipv6()));
            out.println("Interface:   " + e.interfaceName() + " (index " + e.interfaceIndex() + ")");
            if (e.mac() != null) {
                out.println("MAC:         " + e.mac());
            }
            out.printf(
                    "Policy:      revision %d desired, %d realized; enforcement ingress %s, egress %s%n",
                    e.policy().revisionDesired(),
                    e.policy().revisionRealized(),
                    e.policy().ingressEnforcement(),
                    e.policy().egressEnforcement());
            out.println("Health:      " + e.health().overall()
                    + (e.health().message() == null ? "" : " (" + e.health().message() + ")"));
        }
    }

    @Command(name = "list", description = "Every endpoint of the node, with Cilium's columns.")
    static final class EndpointList extends EndpointCommand {
        @Option(names = "--labels", paramLabel = "k=v,...", description = "only endpoints with all these labels")
        String labels = "";

        EndpointList(Cli cli) {
            super(cli);
        }

        @Override
        public Integer call() {
            return show(cli.client().endpoints(labels), this::table);
        }
    }

    @Command(name = "get", description = "One endpoint: state, identity, labels, addresses, interface, policy, health.")
    static final class EndpointGet extends EndpointCommand {
        @Parameters(paramLabel = "ID", description = "the endpoint id")
        int id;

        EndpointGet(Cli cli) {
            super(cli);
        }

        @Override
        public Integer call() {
            return show(cli.client().endpoint(id), this::details);
        }
    }

    @Command(name = "log", description = "The endpoint's state changes, oldest first.")
    static final class EndpointLog extends EndpointCommand {
        @Parameters(paramLabel = "ID", description = "the endpoint id")
        int id;

        EndpointLog(Cli cli) {
            super(cli);
        }

        @Override
        public Integer call() {
            return show(cli.client().endpointLog(id), log -> {
                cli.out().printf("%-30s %-22s %s%n", "TIMESTAMP", "STATE", "MESSAGE");
                for (EndpointModel.LogEntry e : log) {
                    cli.out().printf("%-30s %-22s %s%n", e.timestamp(), e.state(), e.message());
                }
            });
        }
    }

    @Command(
            name = "add",
            description = "Create an endpoint on a host-side veth; waits until it is ready unless --no-wait.")
    static final class EndpointAdd extends EndpointCommand {
        @Parameters(paramLabel = "ID", description = "the endpoint id, 1..65535")
        int id;

        @Option(names = "--interface", required = true, paramLabel = "DEV", description = "the host-side veth")
        String interfaceName;

        @Option(names = "--ipv4", paramLabel = "ADDR", description = "its address (default: one from the pod CIDR)")
        String ipv4;

        @Option(names = "--ipv6", paramLabel = "ADDR", description = "its IPv6 address")
        String ipv6;

        @Option(names = "--labels", paramLabel = "k=v,...", description = "its labels")
        String labels = "";

        @Option(names = "--mac", paramLabel = "MAC", description = "the MAC inside the workload")
        String mac;

        @Option(names = "--no-wait", description = "answer once accepted, not once ready")
        boolean noWait;

        EndpointAdd(Cli cli) {
            super(cli);
        }

        @Override
        public Integer call() {
            List<String> list = labels.isEmpty() ? List.of() : new ArrayList<>(List.of(labels.split(",", -1)));
            EndpointModel.Addressing addressing =
                    ipv4 == null && ipv6 == null ? null : new EndpointModel.Addressing(ipv4, ipv6);
            EndpointModel e =
                    cli.client().putEndpoint(id, new EndpointChange(interfaceName, addressing, list, mac, !noWait));
            return show(e, this::details);
        }
    }

    @Command(name = "delete", description = "Delete an endpoint: detached, its maps, entries and state removed.")
    static final class EndpointDelete extends EndpointCommand {
        @Parameters(paramLabel = "ID", description = "the endpoint id")
        int id;

        EndpointDelete(Cli cli) {
            super(cli);
        }

        @Override
        public Integer call() {
            return show(cli.client().deleteEndpoint(id), e -> cli.out().println("Endpoint " + e.id() + " deleted"));
        }
    }

    @Command(name = "labels", description = "Replace an endpoint's labels (a new identity, then a regeneration).")
    static final class EndpointLabels extends EndpointCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "the endpoint id")
        int id;

        @Parameters(index = "1..*", arity = "0..*", paramLabel = "k=v", description = "the new labels")
        List<String> labels = new ArrayList<>();

        EndpointLabels(Cli cli) {
            super(cli);
        }

        @Override
        public Integer call() {
            return show(cli.client().setEndpointLabels(id, labels), this::details);
        }
    }
}
