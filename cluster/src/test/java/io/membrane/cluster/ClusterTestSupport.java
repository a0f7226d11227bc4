package io.membrane.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.datapath.DatapathMaps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/** What the cluster tests that run agents in this JVM share: their API, their membership, waiting, clean-up. */
final class ClusterTestSupport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private ClusterTestSupport() {
    }

    record Response(int status, String body) {
    }

    /** The maps of every test node: small, the tests never fill them. */
    static final DatapathMaps.Sizes MAP_SIZES = new DatapathMaps.Sizes(1024, 1024, 1024, 256, 1024, 1024, 256);

    /**
     * The config file of a test node: its own pin root and run dir, the API on an ephemeral port, no devices,
     * {@link #MAP_SIZES}, Artery on {@code port}; {@code extra} (seed nodes, TLS) is appended as it is.
     */
    static String nodeConfigText(Path pinRoot, Path runDir, String name, int port, String extra) {
        DatapathMaps.Sizes m = MAP_SIZES;
        return "membrane {\n pin-root = \"" + pinRoot + "\"\n run-dir = \"" + runDir + "\"\n"
                + " bpf-dir = \"" + Path.of("..", "bpf").toAbsolutePath().normalize() + "\"\n api.port = 0\n"
                + " devices = []\n maps { cidr-fix = " + m.cidrFix() + ", cidr-dyn = " + m.cidrDyn() + ", ipcache = "
                + m.ipcache() + ", lxc = " + m.lxc() + ", ct4 = " + m.ct4() + ", ct6 = " + m.ct6() + ", policy = "
                + m.policy() + " }\n cluster.node-name = \"" + name + "\"\n}\n"
                + "pekko.remote.artery.canonical.port = " + port + "\n" + extra;
    }

    /** {@link #nodeConfigText} over the reference config, resolved. */
    static AgentConfig nodeConfig(Path pinRoot, Path runDir, String name, int port, String extra) {
        return AgentConfig.from(ConfigFactory.parseString(nodeConfigText(pinRoot, runDir, name, port, extra))
                .withFallback(ConfigFactory.defaultReference()).resolve());
    }

    /** The config line that makes a node join {@code seed}. */
    static String seedLine(String seed) {
        return "pekko.cluster.seed-nodes = [\"" + seed + "\"]\n";
    }

    /** {@code method} /v1/prefilter of the node's API with {@code body} (null: none). */
    static Response prefilter(AgentNode node, String method, String body) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(node.apiBase() + "/v1/prefilter"))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** GET /v1/cluster of the node, or null while it does not answer. */
    static JsonNode cluster(AgentNode node) {
        try {
            return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(node.apiBase() + "/v1/cluster")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** How many members the node sees up (0 while it does not answer). */
    static int upMembers(AgentNode node) {
        JsonNode c = cluster(node);
        int up = 0;
        if (c != null) {
            for (JsonNode m : c.get("members")) {
                up += "up".equals(m.get("status").asText()) ? 1 : 0;
            }
        }
        return up;
    }

    /** Polls every 50 ms until {@code condition} holds; fails naming {@code what} after {@code timeout}. */
    static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }

    /**
     * An actor system for an actor's testkit test: a cluster of its own, not joined yet (the test decides when),
     * on a free loopback port, without the durable store.
     */
    static ActorTestKit unjoinedClusterKit(String name) {
        return ActorTestKit.create(name, ConfigFactory.parseString("""
                pekko.remote.artery.canonical.port = 0
                pekko.cluster.seed-nodes = []
                pekko.cluster.distributed-data.durable.keys = []
                """).withFallback(ConfigFactory.load()));
    }

    /** Makes the kit's node a cluster of one. */
    static void joinSelf(ActorTestKit kit) {
        Cluster cluster = Cluster.get(kit.system());
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Removes a directory and everything in it (nothing if it is not there). */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
