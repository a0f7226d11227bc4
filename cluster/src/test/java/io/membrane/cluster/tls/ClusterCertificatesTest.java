package io.membrane.cluster.tls;

import static io.membrane.cluster.tls.TestPki.load;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.cluster.ClusterCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SignatureException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key material tool against the JDK's own reading of what it wrote: stores open with java.security.KeyStore,
 * node certificates verify under the CA's public key (and not under another CA's), the trust store holds the CA
 * and nothing else, secrets are owner-only, a second run adds a node under the same CA, and keytool's failures
 * arrive as exceptions that carry what keytool said.
 */
class ClusterCertificatesTest {
    @TempDir
    Path tmp;

    @Test
    void issuesNodeStoresSignedByTheClusterCaAndATrustStoreWithOnlyTheCa() throws Exception {
        // The shared test PKI is this tool's output (CA, n1..n3, 30 days); reading it here saves a dozen keytool runs.
        ClusterCertificates certs = TestPki.get().cluster;
        String password = certs.storePassword();

        KeyStore caStore =
                load(certs.caStore(), Files.readString(certs.caPasswordFile()).strip());
        X509Certificate ca = (X509Certificate) caStore.getCertificate("ca");
        assertEquals(ca.getSubjectX500Principal(), ca.getIssuerX500Principal(), "the CA is self-signed");
        ca.verify(ca.getPublicKey());
        assertTrue(ca.getBasicConstraints() >= 0, "the CA certificate says CA:true");

        KeyStore trust = load(certs.trustStore(), password);
        assertEquals(List.of("ca"), Collections.list(trust.aliases()), "the trust store holds the CA only");
        assertTrue(trust.isCertificateEntry("ca") && !trust.isKeyEntry("ca"));
        assertEquals(ca, trust.getCertificate("ca"));

        for (String node : List.of("n1", "n2", "n3")) {
            KeyStore ks = load(certs.nodeStore(node), password);
            assertEquals(List.of("node"), Collections.list(ks.aliases()), node + ": one key entry and nothing else");
            assertTrue(ks.getKey("node", password.toCharArray()) instanceof PrivateKey);
            Certificate[] chain = ks.getCertificateChain("node");
            assertEquals(2, chain.length);
            X509Certificate cert = (X509Certificate) chain[0];
            cert.verify(ca.getPublicKey());
            assertEquals(ca, chain[1]);
            assertEquals(
                    "CN=" + node + ",O=Membrane", cert.getSubjectX500Principal().getName());
            assertEquals(ca.getSubjectX500Principal(), cert.getIssuerX500Principal());
            assertEquals(-1, cert.getBasicConstraints(), "a node certificate cannot sign others");
            assertEquals(
                    List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"),
                    cert.getExtendedKeyUsage(),
                    "serverAuth and clientAuth: a node is both ends of TLS connections");
            assertEquals(List.of(List.of(2, node)), List.copyOf(cert.getSubjectAlternativeNames()));
            long days = (cert.getNotAfter().getTime() - cert.getNotBefore().getTime()) / 86_400_000L;
            assertTrue(days >= 30 && days <= 31, "validity " + days + " days");
            cert.checkValidity();
        }
        // Another CA's key does not verify a node certificate: the verification above can fail.
        ClusterCertificates other = TestPki.get().foreign;
        X509Certificate otherCa = (X509Certificate)
                load(other.trustStore(), other.storePassword()).getCertificate("ca");
        X509Certificate n1 =
                (X509Certificate) load(certs.nodeStore("n1"), password).getCertificate("node");
        assertThrows(SignatureException.class, () -> n1.verify(otherCa.getPublicKey()));
        assertNotEquals(ca.getSubjectX500Principal(), otherCa.getSubjectX500Principal(), "each CA has its own name");

        for (Path secret : List.of(
                certs.caStore(),
                certs.caPasswordFile(),
                certs.storePasswordFile(),
                certs.nodeStore("n1"),
                certs.nodeStore("n2"))) {
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)),
                    secret.toString());
        }
        try (Stream<Path> left = Files.list(certs.dir())) {
            assertEquals(
                    Set.of(
                            "ca.p12",
                            "ca.crt",
                            "ca.password",
                            "trust.p12",
                            "store.password",
                            "n1.p12",
                            "n2.p12",
                            "n3.p12"),
                    Set.copyOf(left.map(p -> p.getFileName().toString()).toList()),
                    "no work files left behind");
        }
    }

    @Test
    void aSecondRunAddsANodeUnderTheSameCaRefusesToOverwriteAndReportsKeytoolFailures() throws Exception {
        ClusterCertificates certs = new ClusterCertificates(tmp);
        certs.issue(List.of("n1"), 30);
        byte[] trustBefore = Files.readAllBytes(certs.trustStore());
        byte[] n1Before = Files.readAllBytes(certs.nodeStore("n1"));

        ClusterCertificates.Issued more = certs.issue(List.of("n4"), 30);
        assertFalse(more.newCa());
        assertEquals(List.of(certs.nodeStore("n4")), more.written());
        X509Certificate ca = (X509Certificate)
                load(certs.trustStore(), certs.storePassword()).getCertificate("ca");
        ((X509Certificate) load(certs.nodeStore("n4"), certs.storePassword()).getCertificate("node"))
                .verify(ca.getPublicKey());
        assertArrayEquals(trustBefore, Files.readAllBytes(certs.trustStore()), "the trust store is untouched");

        CertificateToolException again =
                assertThrows(CertificateToolException.class, () -> certs.issue(List.of("n5", "n1"), 30));
        assertTrue(again.getMessage().contains("n1.p12 exists"), again.getMessage());
        assertArrayEquals(n1Before, Files.readAllBytes(certs.nodeStore("n1")));
        assertFalse(Files.exists(certs.nodeStore("n5")), "refused before any work");

        assertThrows(CertificateToolException.class, () -> certs.issue(List.of("../evil"), 30));
        assertThrows(CertificateToolException.class, () -> certs.issue(List.of("a", "a"), 30));
        assertThrows(CertificateToolException.class, () -> certs.issue(List.of("trust"), 30));

        // A wrong CA password: keytool itself refuses to open (its copy of) the CA store when it signs.
        Files.writeString(certs.caPasswordFile(), "not-the-password\n");
        KeytoolException e = assertThrows(KeytoolException.class, () -> certs.issue(List.of("n6"), 30));
        assertEquals("-genkeypair", e.run().command());
        assertNotEquals(0, e.run().exitCode());
        assertTrue(e.run().output().contains("password was incorrect"), e.run().output());
        assertTrue(e.getMessage().contains("password was incorrect"), e.getMessage());
        assertFalse(Files.exists(certs.nodeStore("n6")), "the half-made store is removed");

        CertificateToolException noKeytool = assertThrows(
                CertificateToolException.class,
                () -> new ClusterCertificates(tmp.resolve("x"), tmp.resolve("no-keytool")).issue(List.of("n1"), 30));
        assertTrue(noKeytool.getMessage().contains("no keytool"), noKeytool.getMessage());
    }

    @Test
    void theCommandPrintsWhatItWroteAndTheConfigLinesAndFailsInOneLine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Function<String[], Integer> cmd = args -> ClusterCli.cli(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(args);
        Path dir = tmp.resolve("cluster-tls");
        assertEquals(
                0,
                cmd.apply(new String[] {"cluster", "tls-init", dir.toString(), "--nodes", "n1"}),
                err.toString(StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        for (String f : List.of("ca.p12", "ca.crt", "ca.password", "trust.p12", "store.password", "n1.p12")) {
            assertTrue(text.contains("wrote " + dir.resolve(f)), f + " in:\n" + text);
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        assertTrue(
                text.contains("enabled = true")
                        && text.contains("trust-store = \"" + dir.resolve("trust.p12") + "\"")
                        && text.contains("MEMBRANE_TLS_KEY_STORE_PASSWORD"),
                text);

        err.reset();
        assertEquals(1, cmd.apply(new String[] {"cluster", "tls-init", dir.toString(), "--nodes", "n1"}));
        String line = err.toString(StandardCharsets.UTF_8);
        assertTrue(
                line.startsWith("membrane: ")
                        && line.contains("n1.p12 exists")
                        && line.strip().lines().count() == 1,
                line);

        err.reset();
        assertEquals(2, cmd.apply(new String[] {"cluster", "tls-init", dir.toString()}));
        line = err.toString(StandardCharsets.UTF_8);
        assertTrue(
                line.startsWith("membrane: cluster tls-init: Missing required option: '--nodes=NAME'")
                        && line.strip().lines().count() == 1,
                line);
    }
}
