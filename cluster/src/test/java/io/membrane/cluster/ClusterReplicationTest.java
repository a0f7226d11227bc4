package io.membrane.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.KernelTest;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three clustered agents in one JVM on loopback, each with its own pinned maps: a cluster-scoped CIDR added
 * through one node's API lands in every node's maps and is removed from all through another; a node-scoped
 * entry stays on its node; the registry and membership show three nodes. (The multi-process lab tests with
 * namespaces and kill -9 come with `bin/membrane lab`; the transport over TLS is TlsClusterTest.)
 */
@Tag("kernel")
class ClusterReplicationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final List<AgentNode> nodes = new ArrayList<>();
    private final List<PinnedMaps> pins = new ArrayList<>();
    private final List<Path> runDirs = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        KernelTest.assumeKernel();
        int[] ports = {freePort(), freePort(), freePort()};
        String seed = "pekko://membrane@127.0.0.1:" + ports[0];
        String id = UUID.randomUUID().toString().substring(0, 6);
        for (int i = 0; i < 3; i++) {
            PinnedMaps p = PinnedMaps.at(Path.of("/sys/fs/bpf", "mbr-test-cl-" + id + "-n" + (i + 1)));
            pins.add(p);
            Path run = Files.createTempDirectory("mbr-cl-n" + (i + 1));
            runDirs.add(run);
            String text = "membrane {\n pin-root = \"" + p.root() + "\"\n run-dir = \"" + run + "\"\n"
                    + " bpf-dir = \"" + Path.of("..", "bpf").toAbsolutePath().normalize() + "\"\n api.port = 0\n"
                    + " devices = []\n maps { cidr-fix = 1024, cidr-dyn = 1024, ipcache = 1024, lxc = 256, ct4 = 1024,"
                    + " ct6 = 1024, policy = 256 }\n cluster.node-name = \"n" + (i + 1) + "\"\n}\n"
                    + "pekko.remote.artery.canonical.port = " + ports[i] + "\n"
                    + "pekko.cluster.seed-nodes = [\"" + seed + "\"]\n";
            AgentConfig config = AgentConfig.from(ConfigFactory.parseString(text)
                    .withFallback(ConfigFactory.defaultReference()).resolve());
            nodes.add(ClusterNode.start(config));
        }
        await(() -> members(nodes.get(2)) == 3 && members(nodes.get(0)) == 3, "three members up");
    }

    @AfterEach
    void stop() throws IOException {
        nodes.forEach(AgentNode::close);
        pins.forEach(PinnedMaps::removeAll);
        // Each run dir now holds a durable store as well: leave nothing behind in /tmp.
        for (Path dir : runDirs) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    void clusterScopedEntriesReachEveryNodesMapsAndNodeScopedStayHome() throws Exception {
        Ipv4Prefix cidr = Ipv4Prefix.parse("203.0.113.0/24");
        Response add = send(nodes.get(0), "PATCH", "{\"deny\": [\"203.0.113.0/24\"], \"scope\": \"cluster\"}");
        assertEquals(200, add.status(), add.body());
        assertEquals(1, JSON.readTree(add.body()).get("changed").asInt(), add.body());
        Response again = send(nodes.get(0), "PATCH", "{\"deny\": [\"203.0.113.0/24\"], \"scope\": \"cluster\"}");
        assertEquals(0, JSON.readTree(again.body()).get("changed").asInt(), "already replicated: " + again.body());
        // Enforced on the node that answered, and soon on every other.
        assertTrue(nodes.get(0).targets().maps().cidr4Dyn().lookup(cidr).isPresent());
        for (AgentNode n : nodes) {
            await(() -> n.targets().maps().cidr4Dyn().lookup(cidr).map(PrefilterFlag::clusterScoped).orElse(false),
                    "203.0.113.0/24 in the maps of " + n.apiBase());
        }
        JsonNode get = JSON.readTree(send(nodes.get(2), "GET", null).body());
        assertEquals("[\"cluster\"]", get.get("entries").get(0).get("scope").toString(), get.toString());

        Response local = send(nodes.get(1), "PATCH", "{\"deny\": [\"198.51.100.7\"]}");
        assertEquals(200, local.status(), local.body());
        Thread.sleep(500);
        assertTrue(nodes.get(1).targets().maps().cidr4Fix().lookup(Ipv4Prefix.host("198.51.100.7")).isPresent());
        assertTrue(nodes.get(0).targets().maps().cidr4Fix().lookup(Ipv4Prefix.host("198.51.100.7")).isEmpty(),
                "a node-scoped entry stays on its node");
        assertTrue(nodes.get(2).targets().maps().cidr4Fix().lookup(Ipv4Prefix.host("198.51.100.7")).isEmpty());

        Response del = send(nodes.get(1), "DELETE", "{\"deny\": [\"203.0.113.0/24\"], \"scope\": \"cluster\"}");
        assertEquals(200, del.status(), del.body());
        for (AgentNode n : nodes) {
            await(() -> n.targets().maps().cidr4Dyn().lookup(cidr).isEmpty(), "203.0.113.0/24 gone from " + n.apiBase());
        }

        JsonNode cluster = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(nodes.get(0).apiBase()
                + "/v1/cluster")).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(3, cluster.get("members").size(), cluster.toString());
        await(() -> registrySize(nodes.get(0)) == 3, "three nodes in the registry");
    }

    @Test
    void removingWhatTheClusterDoesNotHoldIsNotFound() throws Exception {
        Response r = send(nodes.get(0), "DELETE", "{\"deny\": [\"10.66.0.0/16\"], \"scope\": \"cluster\"}");
        assertEquals(404, r.status(), r.body());
        assertTrue(r.body().contains("not in the cluster-scoped deny list"), r.body());
    }

    record Response(int status, String body) {
    }

    private static Response send(AgentNode node, String method, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.apiBase() + "/v1/prefilter"));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body());
    }

    private static int members(AgentNode node) {
        try {
            JsonNode c = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(node.apiBase() + "/v1/cluster"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body());
            int up = 0;
            for (JsonNode m : c.get("members")) {
                up += "up".equals(m.get("status").asText()) ? 1 : 0;
            }
            return up;
        } catch (Exception e) {
            return 0;
        }
    }

    private static int registrySize(AgentNode node) {
        try {
            return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(node.apiBase() + "/v1/cluster")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).get("registry").size();
        } catch (Exception e) {
            return 0;
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for: " + what);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

}
