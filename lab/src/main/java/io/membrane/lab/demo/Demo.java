package io.membrane.lab.demo;

import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.PrefilterChange;
import io.membrane.actors.monitor.EventFormat;
import io.membrane.actors.monitor.MonitorClient;
import io.membrane.datapath.net.Netns;
import io.membrane.maps.PinnedMaps;
import io.membrane.topology.NamespacePair;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * What `bin/membrane demo` runs: the agent with its single-node default plus a small lab — two namespaces
 * joined by a veth, the prefilter attached to the receiving end — then it blocks one source through the API,
 * shows its traffic dropped while another source still flows, shows the drop events, and keeps the agent
 * running for the user to try things. Ctrl-C stops the agent and removes the lab. The agent pins its maps under a
 * pin root of its own, removed when the demo stops and again when it starts (after a demo that was killed), so
 * the deny entry it adds never reaches the next agent that uses the default pin root.
 */
public final class Demo {
    static final String LAB = "mbr-demo";
    static final Path PIN_ROOT = Path.of("/sys/fs/bpf", LAB);

    private Demo() {}

    public static void main(String[] args) throws Exception {
        run(args.length > 0 ? Path.of(args[0]) : Path.of("conf/membrane.conf"), AgentNode::start);
    }

    /** Runs the demo with {@code starter} starting the agent (the cluster module passes its clustered start). */
    public static void run(Path config, java.util.function.Function<AgentConfig, AgentNode> starter) throws Exception {
        say("Creating the demo lab: namespaces " + LAB + "-a (" + NamespacePair.A_V4 + ", " + NamespacePair.A_V4_OTHER
                + ") and " + LAB + "-b (" + NamespacePair.B_V4 + ") joined by a veth");
        PinnedMaps pins = PinnedMaps.at(PIN_ROOT);
        pins.removeAll();
        NamespacePair lab = NamespacePair.createNamed(LAB);
        String device = "[{name = \"" + lab.devB() + "\", netns = \"" + lab.nsB() + "\", xdp-mode = native}]";
        AgentConfig base = AgentConfig.load(Optional.of(config));
        AgentConfig cfg = AgentConfig.from(com.typesafe.config.ConfigFactory.parseString(
                        "membrane.devices = " + device + "\nmembrane.pin-root = \"" + PIN_ROOT + "\"")
                .withFallback(base.raw())
                .resolve());
        say("The agent pins its maps under " + PIN_ROOT + " (not " + base.pinRoot()
                + "); the demo removes them when it stops");
        AgentNode agent;
        try {
            agent = starter.apply(cfg);
        } catch (RuntimeException e) {
            lab.close();
            pins.removeAll();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            agent.close();
                            lab.close();
                            pins.removeAll();
                            System.out.println("demo: stopped; removed the lab and " + PIN_ROOT);
                            stopped.countDown();
                        },
                        "membrane-demo-shutdown"));

        String api = agent.apiBase();
        AdminClient client = AdminClient.connect(api);
        say("Agent up, admin API on " + api + "; prefilter on " + lab.nsB() + "/" + lab.devB() + " (XDP native)");
        awaitAttached(client);
        PrefilterChange blockA = PrefilterChange.of(java.util.List.of(NamespacePair.A_V4 + "/32"));
        say("ping " + NamespacePair.B_V4 + " from " + NamespacePair.A_V4 + ": "
                + lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 3) + "/3 replies");
        say("Blocking " + NamespacePair.A_V4 + " with PATCH /v1/prefilter {\"deny\": [\"" + NamespacePair.A_V4
                + "/32\"]}: "
                + ApiJson.pretty(client.addToPrefilter(blockA))
                        .replaceAll("\\s+", " ")
                        .strip());
        try (MonitorClient monitor = MonitorClient.connect(
                cfg.monitorSocket(),
                MonitorClient.Options.DEFAULT
                        .withTypes(java.util.List.of("drop"))
                        .withClient("demo"))) {
            say("ping from " + NamespacePair.A_V4 + " (blocked): "
                    + lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 3) + "/3 replies; the monitor saw:");
            for (int i = 0; i < 3; i++) {
                monitor.next().ifPresent(r -> say("  " + EventFormat.line(r.event())));
            }
        }
        say("ping from " + NamespacePair.A_V4_OTHER + " (not blocked): "
                + lab.pingFromA(NamespacePair.A_V4_OTHER, NamespacePair.B_V4, 3) + "/3 replies");
        String metrics = client.metrics();
        metrics.lines().filter(l -> l.startsWith("membrane_drop_count_total")).forEach(l -> say("  " + l));
        System.out.println();
        System.out.println("The agent keeps running (Ctrl-C stops it and removes the lab and " + PIN_ROOT + "). Try:");
        System.out.println("  bin/membrane status");
        System.out.println("  bin/membrane monitor --type drop           # live drop events (another terminal)");
        System.out.println("  bin/membrane prefilter get");
        System.out.println("  bin/membrane cluster                        # this node is a one-node cluster");
        System.out.println("  nsenter --net=" + Netns.path(lab.nsA()) + " ping -c 2 -I " + NamespacePair.A_V4 + " "
                + NamespacePair.B_V4 + "     # dropped");
        System.out.println("  bin/membrane prefilter delete " + NamespacePair.A_V4 + "/32    # and ping again");
        System.out.println("  curl -s --unix-socket " + cfg.apiSocket() + " http://localhost/v1/prefilter");
        System.out.println("  curl -s http://" + agent.metricsAddress().getHostString() + ":"
                + agent.metricsAddress().getPort() + "/metrics | grep membrane_drop   # TCP: metrics and health only");
        System.out.println("  bin/membrane map get membrane_cidr4_fix");
        stopped.await();
    }

    private static void awaitAttached(AdminClient client) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            if (client.status().devices().stream().anyMatch(d -> "attached".equals(d.state()))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the prefilter did not attach: "
                + ApiJson.compact(client.status().devices()));
    }

    private static void say(String line) {
        System.out.println("demo: " + line);
    }
}
