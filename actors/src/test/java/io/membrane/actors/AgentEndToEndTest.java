package io.membrane.actors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.model.PrefilterChange;
import io.membrane.actors.api.model.PrefilterChanged;
import io.membrane.actors.api.model.PrefilterState;
import io.membrane.maps.KernelTest;
import io.membrane.topology.NamespacePair;
import io.membrane.topology.Namespaces;
import io.membrane.topology.Ping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent in-process on the real kernel: PATCH a CIDR over the API socket and the namespace's traffic is dropped;
 * stop and start the agent: the entry is still reported and still drops, and traffic that should flow never
 * stops — the datapath stays attached while no agent runs.
 */
@Tag("kernel")
class AgentEndToEndTest {
    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @TempDir
    Path runDir;

    private NamespacePair lab;
    private AgentNode agent;

    @BeforeEach
    void setUp() {
        lab = NamespacePair.create("mbrag");
    }

    @AfterEach
    void tearDown() {
        if (agent != null) {
            agent.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    private AgentConfig config() {
        return TestAgents.config(
                kernel.pins().root(),
                runDir,
                "[{name = \"" + lab.devB() + "\", xdp-mode = generic, netns = \"" + lab.nsB() + "\"}]",
                "");
    }

    static void awaitAttached(AgentNode agent) {
        AdminClient api = TestAgents.client(agent);
        await("a device attached")
                .atMost(Duration.ofSeconds(30))
                .until(() -> api.status().devices(), devices -> devices.stream()
                        .anyMatch(d -> "attached".equals(d.state())));
    }

    @Test
    void patchDropsTrafficAndSurvivesARestartWithoutGap() throws Exception {
        agent = AgentNode.start(config());
        awaitAttached(agent);
        assertEquals(3, lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 3));

        PrefilterChanged patch = TestAgents.client(agent)
                .addToPrefilter(PrefilterChange.of(java.util.List.of("10.77.0.1/32", "2001:db8:77::1")));
        assertEquals(new PrefilterChanged(2, 2), patch);
        // Listen on both event channels before the blocked traffic starts.
        java.util.List<String> sse = new java.util.concurrent.CopyOnWriteArrayList<>();
        Process stream = new ProcessBuilder(
                        "curl",
                        "-sN",
                        "--unix-socket",
                        agent.config().apiSocket().toString(),
                        "http://localhost/v1/monitor?type=drop")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        CompletableFuture.runAsync(() -> new java.io.BufferedReader(
                        new java.io.InputStreamReader(stream.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))
                .lines()
                .forEach(sse::add));
        io.membrane.actors.monitor.MonitorClient socket = io.membrane.actors.monitor.MonitorClient.connect(
                agent.config().monitorSocket(),
                io.membrane.actors.monitor.MonitorClient.Options.DEFAULT.withTypes(java.util.List.of("drop")));
        AdminClient api = TestAgents.client(agent);
        await("both event channels subscribed")
                .until(() -> api.status().events().listeners(), listeners -> listeners != null && listeners == 2);
        assertEquals(0, lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 3), "blocked source dropped");
        var received = socket.next().orElseThrow();
        socket.close();
        assertTrue(
                received.json().contains("\"type\":\"drop\"") && received.json().contains("10.77.0.1"),
                received.json());
        assertTrue(
                io.membrane.actors.monitor.EventFormat.line(received.event()).contains("Prefilter"),
                io.membrane.actors.monitor.EventFormat.line(received.event()));
        await("the drop on the SSE stream")
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertTrue(
                        sse.stream()
                                .anyMatch(l -> l.startsWith("data:")
                                        && l.contains("\"type\":\"drop\"")
                                        && l.contains("10.77.0.1")),
                        "the drop arrived on the SSE stream over the API socket: " + sse));
        stream.destroy();
        assertEquals(0, lab.pingFromA(NamespacePair.A_V6, NamespacePair.B_V6, 2), "blocked v6 source dropped");
        assertEquals(3, lab.pingFromA(NamespacePair.A_V4_OTHER, NamespacePair.B_V4, 3), "other source flows");

        // The Prometheus client writes labels sorted by name.
        String metrics = TestAgents.client(agent).metrics();
        assertTrue(
                metrics.matches(
                        "(?s).*membrane_drop_count_total\\{direction=\"ingress\",reason=\"prefilter\"} [1-9].*"),
                metrics);

        // Traffic runs through the restart: the allowed source must never miss a reply, the blocked one never get one.
        CompletableFuture<Integer> allowed = pingsFor4Seconds(NamespacePair.A_V4_OTHER);
        CompletableFuture<Integer> blocked = pingsFor4Seconds(NamespacePair.A_V4);
        agent.close();
        agent = null;
        Thread.sleep(500); // not a poll: half a second with no agent at all, the traffic above must not notice
        agent = AgentNode.start(config());
        awaitAttached(agent);
        assertEquals(40, allowed.join(), "no reply lost while the agent restarted");
        assertEquals(0, blocked.join(), "the blocked source stayed blocked while the agent restarted");

        PrefilterState get = TestAgents.client(agent).prefilter();
        assertEquals(java.util.List.of("10.77.0.1/32", "2001:db8:77::1/128"), get.deny());
        assertEquals(2, get.revision(), "revision survives the restart");
        assertEquals(0, lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 2), "still dropped after restart");

        PrefilterChanged del = TestAgents.client(agent)
                .removeFromPrefilter(
                        PrefilterChange.of(java.util.List.of("10.77.0.1/32")).withRevision(2));
        assertEquals(new PrefilterChanged(3, 1), del);
        assertEquals(3, lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 3), "flows after delete");
    }

    /** 40 pings, 0.1 s apart, from {@code source} in namespace A to B, counted in the background. */
    private CompletableFuture<Integer> pingsFor4Seconds(String source) {
        return CompletableFuture.supplyAsync(() -> Ping.repliesIn(Namespaces.exec(
                        lab.nsA(),
                        "ping",
                        "-n",
                        "-q",
                        "-c",
                        "40",
                        "-i",
                        "0.1",
                        "-W",
                        "1",
                        "-I",
                        source,
                        NamespacePair.B_V4)
                .output()));
    }
}
