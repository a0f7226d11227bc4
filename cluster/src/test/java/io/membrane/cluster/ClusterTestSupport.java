package io.membrane.cluster;

import com.typesafe.config.ConfigFactory;
import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.client.AdminClientException;
import io.membrane.actors.api.client.AdminTransport;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.ClusterStatus;
import io.membrane.datapath.DatapathMaps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/** What the cluster tests that run agents in this JVM share: their API, their membership, clean-up. */
public final class ClusterTestSupport {
    private ClusterTestSupport() {}

    /** A raw reply, for requests that are refused on purpose; {@link #as} reads an accepted one's record. */
    record Response(int status, String body) {
        <T> T as(Class<T> type) {
            try {
                return ApiJson.MAPPER.readValue(body, type);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "HTTP " + status + " body is not a " + type.getSimpleName() + ": " + body, e);
            }
        }
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
                .withFallback(ConfigFactory.defaultReference())
                .resolve());
    }

    /** The config line that makes a node join {@code seed}. */
    static String seedLine(String seed) {
        return "pekko.cluster.seed-nodes = [\"" + seed + "\"]\n";
    }

    /** The node's API client. */
    static AdminClient api(AgentNode node) {
        return AdminClient.connect(node.apiBase(), Duration.ofSeconds(5), Duration.ofSeconds(60));
    }

    /** {@code method} /v1/prefilter of the node's API with {@code body} (null: none), through the client's transport. */
    static Response prefilter(AgentNode node, String method, String body) {
        return request(node, method, "/v1/prefilter", body);
    }

    /** {@code method path} of the node's API with {@code body} (null: none), through the client's transport. */
    static Response request(AgentNode node, String method, String path, String body) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = body == null ? Map.of() : Map.of("Content-Type", "application/json");
        try {
            AdminTransport.Response r =
                    api(node).transport().send(new AdminTransport.Request(method, path, headers, bytes));
            return new Response(r.status(), r.bodyText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GET /v1/cluster of the node, or null while it does not answer. */
    static ClusterStatus cluster(AgentNode node) {
        try {
            return api(node).cluster();
        } catch (AdminClientException e) {
            return null;
        }
    }

    /** How many members the node sees up (0 while it does not answer). */
    static int upMembers(AgentNode node) {
        ClusterStatus c = cluster(node);
        return c == null
                ? 0
                : (int) c.members().stream()
                        .filter(m -> "up".equals(m.status()))
                        .count();
    }

    /**
     * An actor system for an actor's testkit test: a cluster of its own, not joined yet (the test decides when),
     * on a free loopback port, without the durable store.
     */
    public static ActorTestKit unjoinedClusterKit(String name) {
        return ActorTestKit.create(name, ConfigFactory.parseString("""
                pekko.remote.artery.canonical.port = 0
                pekko.cluster.seed-nodes = []
                pekko.cluster.distributed-data.durable.keys = []
                """).withFallback(ConfigFactory.load()));
    }

    /** Makes the kit's node a cluster of one. */
    public static void joinSelf(ActorTestKit kit) {
        Cluster cluster = Cluster.get(kit.system());
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }

    /**
     * A loopback port nobody listens on, from below the kernel's ephemeral range (32768 and up): a port the kernel
     * hands out for a moment and takes back can be given to an outgoing connection (another node's Artery client)
     * before the node that was meant to bind it does.
     */
    static int freePort() throws IOException {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20_000 + random.nextInt(12_000);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException taken) {
                // another one
            }
        }
        throw new IOException("no free loopback port in 20000..31999 after 200 tries");
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
