package io.membrane.cluster;

import static io.membrane.cluster.ClusterTestSupport.cluster;
import static io.membrane.cluster.ClusterTestSupport.deleteTree;
import static io.membrane.cluster.ClusterTestSupport.freePort;
import static io.membrane.cluster.ClusterTestSupport.nodeConfig;
import static io.membrane.cluster.ClusterTestSupport.prefilter;
import static io.membrane.cluster.ClusterTestSupport.seedLine;
import static io.membrane.cluster.tls.TestPki.load;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.membrane.actors.AgentConfig;
import io.membrane.actors.AgentNode;
import io.membrane.actors.api.model.ClusterStatus;
import io.membrane.cluster.tls.ClusterCertificates;
import io.membrane.cluster.tls.TestPki;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.KernelTest;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three clustered agents over Artery tls-tcp with certificates of one cluster CA (made by ClusterCertificates):
 * they form one cluster and a cluster-scoped deny entry crosses the TLS transport into another node's pinned
 * map. Nodes that hold no certificate of that CA — one with a certificate of a different CA, one speaking plain
 * TCP — are seeded at node 1 and never become members; and node 1's transport port itself refuses a TLS client
 * without a cluster certificate while it keeps one with a certificate open (mutual authentication).
 */
@Tag("kernel")
class TlsClusterTest {
    private static final String ENGINE = "pekko.remote.artery.ssl.config-ssl-engine";
    private static final Duration OUTSIDERS_KEPT_OUT = Duration.ofSeconds(15);

    private final List<AgentNode> nodes = new ArrayList<>();
    private final List<PinnedMaps> pins = new ArrayList<>();
    private final List<Path> runDirs = new ArrayList<>();
    private String id;

    @BeforeEach
    void kernel() {
        KernelTest.assumeKernel();
        id = UUID.randomUUID().toString().substring(0, 6);
    }

    @AfterEach
    void stop() {
        RuntimeException failure = null;
        // All at once and bounded: a node that does not stop is a failure to report, not a reason to hang the build.
        List<CompletableFuture<Void>> closing =
                nodes.stream().map(n -> CompletableFuture.runAsync(n::close)).toList();
        for (int i = 0; i < nodes.size(); i++) {
            try {
                closing.get(i).get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                failure = add(
                        failure,
                        new IllegalStateException(
                                "node " + nodes.get(i).config().raw().getString("membrane.cluster.node-name")
                                        + " did not stop within 30 s",
                                e));
            } catch (ExecutionException e) {
                failure = add(failure, new IllegalStateException("closing a node failed", e.getCause()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = add(failure, new IllegalStateException("interrupted while closing nodes", e));
            }
        }
        for (PinnedMaps p : pins) {
            try {
                p.removeAll();
            } catch (RuntimeException e) {
                failure = add(failure, e);
            }
        }
        for (Path dir : runDirs) {
            try {
                deleteTree(dir);
            } catch (IOException e) {
                failure = add(failure, new UncheckedIOException("cannot remove " + dir, e));
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Test
    void nodesOfTheClusterCaFormOneClusterOverTlsAndNodesWithoutItNeverJoin() throws Exception {
        TestPki pki = TestPki.get();
        int[] ports = {freePort(), freePort(), freePort()};
        String seed = "pekko://membrane@127.0.0.1:" + ports[0];
        List<AgentNode> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String name = "n" + (i + 1);
            members.add(start(name, ports[i], seed, TestPki.tlsConfig(pki.cluster, name)));
        }
        AgentNode n1 = members.get(0);
        AgentNode n3 = members.get(2);
        await("three members up over TLS on n1 and n3")
                .atMost(Duration.ofSeconds(20))
                .until(() -> List.of(up(n1).size(), up(n3).size()), sizes -> sizes.equals(List.of(3, 3)));
        Set<String> cluster = addresses(ports);
        assertEquals(cluster, up(n1));
        for (AgentNode n : members) {
            Config c = n.system().settings().config();
            assertEquals("tls-tcp", c.getString("pekko.remote.artery.transport"));
            assertTrue(c.getBoolean(ENGINE + ".require-mutual-authentication"));
        }

        // Outsiders seeded at node 1: a node whose certificate comes from another CA, and one without TLS.
        long outsidersStarted = System.nanoTime();
        int intruderPort = freePort();
        int plainPort = freePort();
        AgentNode intruder = start("intruder", intruderPort, seed, TestPki.tlsConfig(pki.foreign, "intruder"));
        AgentNode plain = start("plain", plainPort, seed, "");
        assertEquals("tls-tcp", intruder.system().settings().config().getString("pekko.remote.artery.transport"));
        assertEquals("tcp", plain.system().settings().config().getString("pekko.remote.artery.transport"));

        // Data crosses the TLS transport: a cluster-scoped entry added on node 1 lands in node 3's pinned map,
        // read here through a descriptor of its own.
        ClusterTestSupport.Response add =
                prefilter(n1, "PATCH", "{\"deny\": [\"10.0.0.0/24\"], \"scope\": \"cluster\"}");
        assertEquals(200, add.status(), add.body());
        Ipv4Prefix cidr = Ipv4Prefix.parse("10.0.0.0/24");
        try (LpmTrieMap<Ipv4Prefix, PrefilterFlag> n3Map = PinnedMaps.at(
                        n3.config().pinRoot())
                .openExisting(new DatapathMaps(n3.config().mapSizes()).spec(DatapathMaps.CIDR4_DYN))
                .orElseThrow()) {
            await("10.0.0.0/24 cluster-scoped in node 3's pinned map")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> n3Map.lookup(cidr), f -> f.map(PrefilterFlag::clusterScoped)
                            .orElse(false));
        }

        // Mutual authentication on node 1's transport port: a TLS client that trusts the cluster CA but holds no
        // cluster certificate is refused; one holding n3's certificate is kept.
        KeyStore clusterTrust = load(pki.cluster.trustStore(), pki.cluster.storePassword());
        assertTrue(
                probe(ports[0], Optional.of(pki.foreign), "intruder", clusterTrust)
                        .startsWith("refused"),
                "a certificate of another CA");
        assertTrue(probe(ports[0], Optional.empty(), null, clusterTrust).startsWith("refused"), "no certificate");
        String withClusterCertificate = probe(ports[0], Optional.of(pki.cluster), "n3", clusterTrust);
        assertEquals("kept open", withClusterCertificate, "a certificate of the cluster CA");

        // The outsiders keep trying; none of the three ever sees them, and neither sees itself up with anyone.
        // Watched until OUTSIDERS_KEPT_OUT after they started (at least a second): failFast looks at every poll,
        // the condition itself only has to last the period out.
        Duration left = OUTSIDERS_KEPT_OUT.minusNanos(System.nanoTime() - outsidersStarted);
        Duration watched = left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left;
        await("the outsiders kept out")
                .during(watched)
                .atMost(watched.plusSeconds(10))
                .pollInterval(Duration.ofMillis(500))
                .failFast("a member saw an outsider", () -> {
                    for (AgentNode n : members) {
                        assertEquals(cluster, all(n), "members seen by " + n.apiBase());
                    }
                })
                .until(() -> true);
        assertEquals(cluster, up(n1));
        assertEquals(Set.of(), up(intruder), "the intruder's view");
        assertEquals(Set.of(), up(plain), "the plain-TCP node's view");
        assertEquals(3, cluster(n1).members().size());
    }

    /**
     * Opens a TLS connection to a transport port as a client with {@code node}'s store of {@code pki} (or no
     * certificate) and says what the server did: a refusal shows within moments as an alert or a closed
     * connection; a server that accepted the client waits for Artery's framing, so the read times out.
     */
    private static String probe(int port, Optional<ClusterCertificates> pki, String node, KeyStore trust)
            throws Exception {
        KeyManager[] keys = null;
        if (pki.isPresent()) {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(
                    load(pki.get().nodeStore(node), pki.get().storePassword()),
                    pki.get().storePassword().toCharArray());
            keys = kmf.getKeyManagers();
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLSv1.3");
        tls.init(keys, tmf.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(1500);
            socket.startHandshake();
            int read = socket.getInputStream().read();
            return read < 0 ? "refused: closed" : "answered " + read;
        } catch (SocketTimeoutException e) {
            return "kept open";
        } catch (IOException e) {
            return "refused: " + e;
        }
    }

    private AgentNode start(String name, int port, String seed, String extra) throws IOException {
        PinnedMaps p = PinnedMaps.at(Path.of("/sys/fs/bpf", "mbr-test-tls-" + id + "-" + name));
        pins.add(p);
        Path run = Files.createTempDirectory("mbr-tls-" + name);
        runDirs.add(run);
        AgentConfig config = nodeConfig(p.root(), run, name, port, seedLine(seed) + extra);
        AgentNode node = ClusterNode.start(config);
        nodes.add(node);
        return node;
    }

    private static Set<String> addresses(int[] ports) {
        Set<String> s = new TreeSet<>();
        for (int port : ports) {
            s.add("pekko://membrane@127.0.0.1:" + port);
        }
        return s;
    }

    /** Addresses of the members {@code node} sees as up. */
    private static Set<String> up(AgentNode node) {
        return members(node, true);
    }

    /** Addresses of every member {@code node} knows of, whatever its status. */
    private static Set<String> all(AgentNode node) {
        return members(node, false);
    }

    private static Set<String> members(AgentNode node, boolean upOnly) {
        ClusterStatus view = cluster(node);
        if (view == null) {
            throw new AssertionError("GET /v1/cluster of " + node.apiBase() + " did not answer");
        }
        Set<String> s = new TreeSet<>();
        for (ClusterStatus.Member m : view.members()) {
            if (!upOnly || "up".equals(m.status())) {
                s.add(m.address());
            }
        }
        return s;
    }

    private static RuntimeException add(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
