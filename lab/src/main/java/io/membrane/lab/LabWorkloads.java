package io.membrane.lab;

import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.model.EndpointChange;
import io.membrane.actors.api.model.EndpointModel;
import io.membrane.lab.Lab.Node;
import io.membrane.topology.Namespaces;
import io.membrane.topology.Workload;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The lab's workloads, as a CNI plugin and a container runtime would make them: a namespace {@code mbr-w-NAME}
 * behind a veth whose host side, {@code lxc-NAME}, sits in a node's namespace; registered as an endpoint through
 * that node's API (its address comes from the node's pod CIDR), then given that address and its routes through
 * the node's gateway. A workload is found again by its device's name in the nodes' endpoint lists, so the lab
 * keeps no state of its own about it.
 */
public final class LabWorkloads {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]{1,11}");
    private static final String DEVICE_PREFIX = "lxc-";

    /** A workload: its name, the node it runs on, and its endpoint as that node's API shows it. */
    public record Running(String name, Node node, EndpointModel endpoint) {
        public String namespace() {
            return namespaceOf(name);
        }

        public String address() {
            return endpoint.addressing().ipv4();
        }
    }

    private final Lab lab;

    public LabWorkloads(Lab lab) {
        this.lab = lab;
    }

    public static String namespaceOf(String name) {
        return LabNetwork.WORKLOAD_PREFIX + name;
    }

    private static String deviceOf(String name) {
        return DEVICE_PREFIX + name;
    }

    /**
     * Makes workload {@code name} on {@code node} with {@code labels} and waits until its endpoint is ready;
     * nothing is left of it if a step fails.
     */
    public Running add(Node node, String name, List<String> labels) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a workload name is 1 to 11 of [a-z0-9], not '" + name + "'");
        }
        if (Namespaces.exists(namespaceOf(name))) {
            throw new IllegalArgumentException("workload " + name + " exists (bin/membrane lab endpoint list)");
        }
        AdminClient api = lab.api(node);
        Workload w = Workload.unaddressed(node.namespace(), namespaceOf(name), deviceOf(name));
        Optional<Integer> registered = Optional.empty();
        try {
            int id = nextId(api);
            EndpointModel e = api.putEndpoint(id, new EndpointChange(deviceOf(name), null, labels, null, true));
            registered = Optional.of(id);
            w.addressed(e.addressing().ipv4(), node.gateway());
            return new Running(name, node, e);
        } catch (RuntimeException e) {
            registered.ifPresent(api::deleteEndpoint);
            w.delete();
            throw e;
        }
    }

    /** Deletes the workload's endpoint on its node, then its namespace (its veth goes with it). */
    public void delete(String name) {
        Optional<Running> found = find(name);
        if (found.isEmpty() && !Namespaces.exists(namespaceOf(name))) {
            throw new IllegalArgumentException("no workload " + name + " (bin/membrane lab endpoint list)");
        }
        found.ifPresent(r -> lab.api(r.node()).deleteEndpoint(r.endpoint().id()));
        Namespaces.delete(namespaceOf(name));
    }

    /** Every workload of the running nodes, by node. */
    public List<Running> list() {
        List<Running> out = new ArrayList<>();
        for (Node n : lab.nodes()) {
            if (!lab.isRunning(n)) {
                continue;
            }
            for (EndpointModel e : lab.api(n).endpoints("")) {
                if (e.interfaceName().startsWith(DEVICE_PREFIX)) {
                    out.add(new Running(e.interfaceName().substring(DEVICE_PREFIX.length()), n, e));
                }
            }
        }
        return out;
    }

    public Optional<Running> find(String name) {
        return list().stream().filter(r -> r.name().equals(name)).findFirst();
    }

    /** Runs {@code command} inside workload {@code name}, its output on this process's; returns its exit code. */
    public static int exec(String name, List<String> command) throws IOException, InterruptedException {
        if (!Namespaces.exists(namespaceOf(name))) {
            throw new IllegalArgumentException("no workload " + name + " (bin/membrane lab endpoint list)");
        }
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + Namespaces.path(namespaceOf(name))));
        cmd.addAll(command);
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }

    /** One more than the largest endpoint id of the node (ids are the node's, not the lab's). */
    private static int nextId(AdminClient api) {
        return api.endpoints("").stream().mapToInt(EndpointModel::id).max().orElse(0) + 1;
    }
}
