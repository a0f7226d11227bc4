package io.membrane.cluster.tls;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bin/membrane cluster tls-init DIR --nodes n1,n2,n3 [--days N]}: makes (or, when DIR has a CA already,
 * extends) the cluster's key material with {@link ClusterCertificates}, then says which files it wrote and what to
 * put in each node's config. A picocli command the cluster module adds under {@code cluster}; exit codes: 0 done,
 * 1 failed, 2 usage; an error is one line on stderr.
 */
@Command(
        name = "tls-init",
        mixinStandardHelpOptions = true,
        description = "Make a cluster CA and per-node key stores for TLS in DIR (README: a cluster over TLS).")
public final class TlsInitCommand implements Callable<Integer> {
    private final PrintStream out;
    private final PrintStream err;

    @Parameters(paramLabel = "DIR", description = "where the CA and the stores are (a CA already there is reused)")
    Path dir;

    @Option(
            names = "--nodes",
            paramLabel = "NAME",
            split = ",",
            required = true,
            description = "the node names, comma-separated (n1,n2,n3)")
    List<String> nodes;

    @Option(
            names = "--days",
            paramLabel = "D",
            description = "node certificates valid D days (default: ${DEFAULT-VALUE})")
    int days = ClusterCertificates.DEFAULT_NODE_DAYS;

    public TlsInitCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        ClusterCertificates certs = new ClusterCertificates(dir);
        ClusterCertificates.Issued issued;
        try {
            issued = certs.issue(
                    nodes.stream().map(String::strip).filter(s -> !s.isEmpty()).toList(), days);
        } catch (CertificateToolException e) {
            err.println("membrane: " + e.getMessage());
            return 1;
        }
        report(certs, issued);
        return 0;
    }

    private void report(ClusterCertificates certs, ClusterCertificates.Issued issued) {
        for (Path p : issued.written()) {
            out.println("wrote " + p + note(certs, p));
        }
        if (!issued.newCa()) {
            out.println("(reused the CA in " + certs.dir() + ")");
        }
        out.println();
        out.println("On each node, copy its own <node>.p12, " + ClusterCertificates.TRUST_STORE + " and "
                + ClusterCertificates.STORE_PASSWORD + " (not the CA), and add to its config:");
        out.println();
        out.println("  membrane.cluster.tls {");
        out.println("    enabled = true");
        out.println("    key-store = \"" + certs.dir().resolve("<node>.p12") + "\"");
        out.println("    trust-store = \"" + certs.trustStore() + "\"");
        out.println("  }");
        out.println();
        out.println("and start the agent with the passwords in its environment:");
        out.println();
        out.println("  export MEMBRANE_TLS_KEY_STORE_PASSWORD=\"$(cat " + certs.storePasswordFile() + ")\"");
        out.println("  export MEMBRANE_TLS_TRUST_STORE_PASSWORD=\"$MEMBRANE_TLS_KEY_STORE_PASSWORD\"");
        out.println();
        out.println("To add a node later: membrane cluster tls-init " + certs.dir() + " --nodes NAME");
    }

    private static String note(ClusterCertificates certs, Path p) {
        if (p.equals(certs.caStore())) {
            return "  (the cluster CA: keep it off the nodes; it signs new nodes)";
        }
        if (p.equals(certs.caPasswordFile())) {
            return "  (the CA store's password)";
        }
        if (p.equals(certs.storePasswordFile())) {
            return "  (the password of the node stores and the trust store)";
        }
        if (p.equals(certs.trustStore())) {
            return "  (trust store: the CA certificate only)";
        }
        return "";
    }
}
