package io.membrane.lab;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.membrane.actors.AgentConfig;
import io.membrane.lab.Lab.Node;
import java.util.List;
import java.util.Map;

/**
 * A lab node's agent configuration: only what a node of the lab differs in (pins, run directory, device, map
 * sizes, pod CIDR, its name, its artery address and the seeds), built as a Typesafe {@link Config} and rendered as HOCON,
 * so quoting and nesting are the library's and the file reads back exactly as the agent will parse it.
 */
final class NodeConfig {
    /** How many of the first nodes every node lists as seeds. */
    private static final int SEEDS = 3;

    private NodeConfig() {}

    static Config of(Node n, List<Node> nodes, Lab.Options options) {
        Map<String, Integer> maps = AgentConfig.mapSizesBlock(options.mapSizes());
        ConfigValue api = ConfigValueFactory.fromMap(Map.of("host", "127.0.0.1", "port", Lab.API_PORT));
        api = api.withOrigin(api.origin()
                .withComments(List.of(" Loopback of the node's own namespace: reach it "
                        + "with nsenter --net=/run/netns/" + n.namespace())));
        List<String> seeds = nodes.subList(0, Math.min(SEEDS, nodes.size())).stream()
                .map(Node::artery)
                .toList();
        return ConfigFactory.empty()
                .withValue(
                        "membrane.pin-root",
                        ConfigValueFactory.fromAnyRef(n.pinRoot().toString()))
                .withValue(
                        "membrane.run-dir",
                        ConfigValueFactory.fromAnyRef(n.runDir().toString()))
                .withValue(
                        "membrane.bpf-dir",
                        ConfigValueFactory.fromAnyRef(
                                options.home().resolve("bpf").toString()))
                .withValue("membrane.api", api)
                .withValue(
                        "membrane.devices",
                        ConfigValueFactory.fromIterable(
                                List.of(Map.of("name", Lab.DEVICE, "xdp-mode", options.xdpMode()))))
                .withValue("membrane.maps", ConfigValueFactory.fromMap(maps))
                .withValue("membrane.endpoints.pod-cidr", ConfigValueFactory.fromAnyRef(n.podCidr()))
                .withValue("membrane.cluster.node-name", ConfigValueFactory.fromAnyRef(n.name()))
                .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(n.address()))
                .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(Lab.ARTERY_PORT))
                .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds));
    }

    /** The node's config file: a header naming what wrote it, then {@link #of} as HOCON. */
    static String render(Node n, List<Node> nodes, Lab.Options options) {
        return "# Node " + n.name() + " of the Membrane lab (bin/membrane lab up); removed by bin/membrane lab down.\n"
                + of(n, nodes, options)
                        .root()
                        .render(ConfigRenderOptions.defaults()
                                .setOriginComments(false)
                                .setJson(false));
    }
}
