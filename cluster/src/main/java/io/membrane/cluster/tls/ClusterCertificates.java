package io.membrane.cluster.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Makes the key material for a cluster that runs over TLS, in one directory: a dedicated cluster CA
 * ({@code ca.p12}, its certificate {@code ca.crt}), a trust store holding only that CA ({@code trust.p12}), and
 * per node a PKCS12 key store ({@code <node>.p12}) with the node's EC P-256 key and its certificate chain signed
 * by the CA. The node stores and the trust store share one generated password ({@code store.password}); the CA
 * store has its own ({@code ca.password}); secrets are readable by their owner only. Run again on the same
 * directory, it reuses the CA and adds the nodes named, so a node can join later without re-keying the others.
 * Keys and certificates come from the JDK's keytool, since the JDK has no public API that makes certificates;
 * the stores around them are written with java.security.KeyStore, which saves a keytool run (a JVM start) each.
 */
public final class ClusterCertificates {
    public static final String CA_STORE = "ca.p12";
    public static final String CA_CERT = "ca.crt";
    public static final String TRUST_STORE = "trust.p12";
    public static final String STORE_PASSWORD = "store.password";
    public static final String CA_PASSWORD = "ca.password";
    public static final int DEFAULT_NODE_DAYS = 825;
    /** The CA outlives every node certificate it can issue, so re-keying a node never means a new CA. */
    public static final int CA_DAYS = 3650;

    private static final String NODE_ALIAS = "node";
    private static final String CA_ALIAS = "ca";
    /** A node name becomes a file name and a DN, so it stays within characters that need no escaping in either. */
    private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    /** keytool reads passwords from this variable of its own environment, which the process list does not show. */
    private static final String PASSWORD_ENV = "MEMBRANE_KEYTOOL_STOREPASS";

    private final Path dir;
    private final Path keytool;

    /** @param dir where the stores are (or go); created if missing */
    public ClusterCertificates(Path dir) {
        this(dir, Path.of(System.getProperty("java.home"), "bin", "keytool"));
    }

    ClusterCertificates(Path dir, Path keytool) {
        this.dir = dir.toAbsolutePath().normalize();
        this.keytool = keytool;
    }

    /** What one {@link #issue} run produced: whether it made a new CA, and every file it wrote. */
    public record Issued(boolean newCa, List<Path> written) {}

    /** What issuing node certificates needs from the CA directory, read once per run. */
    private record CaMaterial(String caPassword, String storePassword, X509Certificate ca) {}

    public Path dir() {
        return dir;
    }

    public Path caStore() {
        return dir.resolve(CA_STORE);
    }

    public Path caCertificate() {
        return dir.resolve(CA_CERT);
    }

    public Path trustStore() {
        return dir.resolve(TRUST_STORE);
    }

    public Path storePasswordFile() {
        return dir.resolve(STORE_PASSWORD);
    }

    public Path caPasswordFile() {
        return dir.resolve(CA_PASSWORD);
    }

    public Path nodeStore(String node) {
        return dir.resolve(node + ".p12");
    }

    /** The password of the node stores and the trust store. */
    public String storePassword() {
        return readSecret(storePasswordFile());
    }

    /**
     * Issues a key store to each node, making the CA, the trust store and the passwords first if the directory
     * has no CA yet. Nothing is overwritten: a node that already has a store is refused before any work. If a
     * step fails, the files this run wrote are removed again.
     *
     * @param nodes    node names (letters, digits, '.', '_', '-'), each becoming CN and SAN dns of its certificate
     * @param nodeDays validity of the node certificates, 1..{@value #CA_DAYS} days
     */
    public Issued issue(List<String> nodes, int nodeDays) {
        checkArguments(nodes, nodeDays);
        if (!Files.isExecutable(keytool)) {
            throw new CertificateToolException(
                    "no keytool at " + keytool + ": making certificates needs a JDK, not" + " only a JRE");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CertificateToolException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        boolean newCa = !Files.exists(caStore());
        List<Path> needed = List.of(caCertificate(), trustStore(), storePasswordFile(), caPasswordFile());
        for (Path p : needed) {
            if (newCa && Files.exists(p)) {
                throw new CertificateToolException(dir + " holds " + p.getFileName() + " but no " + CA_STORE
                        + " (an interrupted run, or the CA moved away); use an empty directory or restore the CA");
            }
            if (!newCa && !Files.exists(p)) {
                throw new CertificateToolException(dir + " holds " + CA_STORE + " but no " + p.getFileName()
                        + "; cannot add nodes to an incomplete directory");
            }
        }
        List<Path> written = Collections.synchronizedList(new ArrayList<>());
        try {
            CaMaterial material = newCa
                    ? makeCa(written)
                    : new CaMaterial(readSecret(caPasswordFile()), storePassword(), readCertificate(caCertificate()));
            issueNodes(nodes, nodeDays, material, written);
            List<Path> files = new ArrayList<>();
            if (newCa) {
                files.addAll(List.of(caStore(), caCertificate(), caPasswordFile(), trustStore(), storePasswordFile()));
            }
            nodes.forEach(n -> files.add(nodeStore(n)));
            return new Issued(newCa, List.copyOf(files));
        } catch (RuntimeException e) {
            for (Path p : written) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            throw e;
        }
    }

    private void checkArguments(List<String> nodes, int nodeDays) {
        if (nodes.isEmpty()) {
            throw new CertificateToolException("no nodes named");
        }
        Set<String> seen = new HashSet<>();
        for (String node : nodes) {
            if (!NODE_NAME.matcher(node).matches()) {
                throw new CertificateToolException("node name '" + node + "': use letters, digits, '.', '_' and '-'"
                        + " (at most 63, starting with a letter or digit)");
            }
            if (node.equals("ca") || node.equals("trust")) {
                throw new CertificateToolException("node name '" + node + "' would be the file of the "
                        + (node.equals("ca") ? "CA" : "trust store") + "; choose another");
            }
            if (!seen.add(node)) {
                throw new CertificateToolException("node " + node + " is named twice");
            }
            if (Files.exists(nodeStore(node))) {
                throw new CertificateToolException(
                        nodeStore(node) + " exists; remove it to issue " + node + " a new key");
            }
        }
        if (nodeDays < 1 || nodeDays > CA_DAYS) {
            throw new CertificateToolException(
                    "node certificate validity " + nodeDays + " days: expected 1.." + CA_DAYS);
        }
    }

    private CaMaterial makeCa(List<Path> written) {
        SecureRandom random = new SecureRandom();
        String caPassword = newPassword(random);
        String storePassword = newPassword(random);
        written.add(caPasswordFile());
        writeSecret(caPasswordFile(), caPassword);
        written.add(storePasswordFile());
        writeSecret(storePasswordFile(), storePassword);
        // A distinct name per CA: logs and error messages then say which cluster's CA a certificate came from.
        byte[] id = new byte[4];
        random.nextBytes(id);
        written.add(caStore());
        run(
                caPassword,
                "-genkeypair",
                "-alias",
                CA_ALIAS,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=Membrane cluster CA " + HexFormat.of().formatHex(id) + ", O=Membrane",
                "-ext",
                "bc:c",
                "-ext",
                "ku:c=keyCertSign,cRLSign",
                // A day of slack for clocks behind the machine that made the certificates.
                "-startdate",
                "-1d",
                "-validity",
                Integer.toString(CA_DAYS),
                "-keystore",
                caStore().toString(),
                "-storetype",
                "PKCS12");
        ownerOnly(caStore());
        written.add(caCertificate());
        try {
            X509Certificate ca = (X509Certificate) open(caStore(), caPassword).getCertificate(CA_ALIAS);
            Files.writeString(
                    caCertificate(),
                    "-----BEGIN CERTIFICATE-----\n"
                            + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(ca.getEncoded())
                            + "\n-----END CERTIFICATE-----\n");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry(CA_ALIAS, ca);
            save(trust, trustStore(), storePassword, written);
            return new CaMaterial(caPassword, storePassword, ca);
        } catch (IOException | GeneralSecurityException e) {
            throw new CertificateToolException(
                    "cannot write the CA certificate or the trust store in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Nodes are independent once the CA exists; keytool runs are mostly JVM start-up, so they run side by side. */
    private void issueNodes(List<String> nodes, int nodeDays, CaMaterial material, List<Path> written) {
        Path work;
        try {
            work = Files.createTempDirectory(
                    dir,
                    ".tls-init-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new CertificateToolException("cannot create a work directory in " + dir + ": " + e.getMessage(), e);
        }
        ExecutorService pool = Executors.newFixedThreadPool(
                Math.min(nodes.size(), Math.max(2, Runtime.getRuntime().availableProcessors())));
        RuntimeException failure = null;
        try {
            List<Future<?>> running = new ArrayList<>();
            for (String node : nodes) {
                running.add(pool.submit(() -> issueNode(node, nodeDays, material, work, written)));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    RuntimeException cause = e.getCause() instanceof RuntimeException r
                            ? r
                            : new CertificateToolException(e.getCause().getMessage(), e.getCause());
                    if (failure == null) {
                        failure = cause;
                    } else {
                        failure.addSuppressed(cause);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = new CertificateToolException("interrupted while issuing node certificates", e);
                    break;
                }
            }
        } finally {
            pool.shutdownNow();
            try {
                deleteTree(work);
            } catch (RuntimeException cleanup) {
                if (failure == null) {
                    throw cleanup;
                }
                failure.addSuppressed(cleanup);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * One keytool run per node: keytool makes the key pair and has the CA sign it in one step ({@code -genkeypair
     * -signer}), which needs the CA's key in the same store, so it works on a private copy of the CA store; the
     * node's entry is then moved into a store of its own, which never holds the CA's key.
     */
    private void issueNode(String node, int days, CaMaterial material, Path work, List<Path> written) {
        String caPassword = material.caPassword();
        X509Certificate ca = material.ca();
        Path scratch = work.resolve(node + ".p12");
        try {
            Files.copy(caStore(), scratch);
        } catch (IOException e) {
            throw new CertificateToolException(
                    "cannot copy " + caStore() + " to " + scratch + ": " + e.getMessage(), e);
        }
        // Both usages: every node is a TLS server for its inbound connections and a client for its outbound ones.
        run(
                caPassword,
                "-genkeypair",
                "-alias",
                NODE_ALIAS,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=" + node + ", O=Membrane",
                "-signer",
                CA_ALIAS,
                "-ext",
                "san=dns:" + node,
                "-ext",
                "ku:c=digitalSignature",
                "-ext",
                "eku=serverAuth,clientAuth",
                "-startdate",
                "-1d",
                "-validity",
                Integer.toString(days),
                "-keystore",
                scratch.toString());
        Path store = nodeStore(node);
        try {
            KeyStore signed = open(scratch, caPassword);
            Key key = signed.getKey(NODE_ALIAS, caPassword.toCharArray());
            Certificate[] chain = signed.getCertificateChain(NODE_ALIAS);
            if (!(key instanceof PrivateKey) || chain == null || chain.length != 2 || !chain[1].equals(ca)) {
                throw new CertificateToolException("keytool left no CA-signed key for " + node + " in " + scratch);
            }
            chain[0].verify(ca.getPublicKey());
            KeyStore own = KeyStore.getInstance("PKCS12");
            own.load(null, null);
            own.setKeyEntry(NODE_ALIAS, key, material.storePassword().toCharArray(), chain);
            save(own, store, material.storePassword(), written);
        } catch (IOException | GeneralSecurityException e) {
            throw new CertificateToolException(
                    "cannot make the store of " + node + " (" + store + "): " + e.getMessage(), e);
        }
    }

    private static KeyStore open(Path file, String password) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password.toCharArray());
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            throw new CertificateToolException("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes a new store readable by its owner only (created so, never widened later), and notes it as written. */
    private static void save(KeyStore store, Path file, String password, List<Path> written)
            throws IOException, GeneralSecurityException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        written.add(file);
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password.toCharArray());
        }
    }

    private void run(String password, String... args) {
        List<String> command = new ArrayList<>();
        command.add(keytool.toString());
        // Each run is a JVM that lives about a second, mostly start-up: C1 only, the serial collector and no
        // perf-data file take a good part of that off.
        command.add("-J-XX:TieredStopAtLevel=1");
        command.add("-J-XX:+UseSerialGC");
        command.add("-J-XX:-UsePerfData");
        command.addAll(List.of(args));
        command.add("-storepass:env");
        command.add(PASSWORD_ENV);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(PASSWORD_ENV, password);
        Process p;
        try {
            p = builder.start();
        } catch (IOException e) {
            throw new CertificateToolException("cannot run " + keytool + ": " + e.getMessage(), e);
        }
        try {
            // keytool asks on stdin when it lacks an answer; a closed stdin turns that into an error, not a hang.
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new KeytoolException(
                        new KeytoolException.Run(args[0], -1, "did not finish within 60 s\n" + output));
            }
            if (p.exitValue() != 0) {
                throw new KeytoolException(new KeytoolException.Run(args[0], p.exitValue(), output));
            }
        } catch (IOException e) {
            p.destroyForcibly();
            throw new CertificateToolException("keytool " + args[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CertificateToolException("interrupted while keytool " + args[0] + " ran", e);
        }
    }

    private static String newPassword(SecureRandom random) {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void writeSecret(Path file, String secret) {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            Files.writeString(file, secret + "\n");
        } catch (IOException e) {
            throw new CertificateToolException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String readSecret(Path file) {
        try {
            String secret = Files.readString(file).strip();
            if (secret.isEmpty()) {
                throw new CertificateToolException(file + " is empty");
            }
            return secret;
        } catch (IOException e) {
            throw new CertificateToolException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void ownerOnly(Path file) {
        try {
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        } catch (IOException e) {
            throw new CertificateToolException("cannot restrict " + file + " to its owner: " + e.getMessage(), e);
        }
    }

    private static X509Certificate readCertificate(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | GeneralSecurityException e) {
            throw new CertificateToolException("cannot read the CA certificate " + file + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        } catch (IOException e) {
            throw new CertificateToolException("cannot remove the work directory " + p + ": " + e.getMessage(), e);
        }
    }
}
