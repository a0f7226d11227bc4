package io.membrane.cluster.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Key material for the tests, made once per test JVM with {@link ClusterCertificates}: the cluster's PKI (a CA
 * and nodes n1..n3) and a foreign one (another CA and its node "intruder"). Each keytool run is a JVM start, so
 * the test classes share these instead of making their own; the directory goes when the JVM exits.
 */
public final class TestPki {
    private static TestPki instance;

    public final ClusterCertificates cluster;
    public final ClusterCertificates foreign;

    private TestPki(ClusterCertificates cluster, ClusterCertificates foreign) {
        this.cluster = cluster;
        this.foreign = foreign;
    }

    public static synchronized TestPki get() {
        if (instance == null) {
            Path dir;
            try {
                dir = Files.createTempDirectory("mbr-test-pki-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "mbr-test-pki-cleanup"));
            ClusterCertificates cluster = new ClusterCertificates(dir.resolve("cluster"));
            ClusterCertificates foreign = new ClusterCertificates(dir.resolve("foreign"));
            CompletableFuture<?> other = CompletableFuture.runAsync(() -> foreign.issue(List.of("intruder"), 30));
            cluster.issue(List.of("n1", "n2", "n3"), 30);
            other.join();
            instance = new TestPki(cluster, foreign);
        }
        return instance;
    }

    /** HOCON that turns TLS on with {@code node}'s store of {@code pki} and that PKI's trust store. */
    public static String tlsConfig(ClusterCertificates pki, String node) {
        return "membrane.cluster.tls {\n enabled = true\n key-store = \"" + pki.nodeStore(node) + "\"\n"
                + " trust-store = \"" + pki.trustStore() + "\"\n key-store-password = \"" + pki.storePassword()
                + "\"\n trust-store-password = \"" + pki.storePassword() + "\"\n}\n";
    }

    /** A PKCS12 store as the tests read them. */
    public static KeyStore load(Path file, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password.toCharArray());
        }
        return ks;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
