package io.membrane.cluster.tls;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code bin/membrane cluster tls-init DIR --nodes n1,n2,n3 [--days N]}: makes (or, when DIR has a CA already,
 * extends) the cluster's key material with {@link ClusterCertificates}, then says which files it wrote and what to
 * put in each node's config. Exit codes: 0 done, 1 failed, 2 usage; an error is one line on stderr.
 */
public final class TlsInitCommand {
    private final PrintStream out;
    private final PrintStream err;

    public TlsInitCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    static String usage() {
        return "usage: membrane cluster tls-init DIR --nodes NAME[,NAME...] [--days N]   (node certificates valid"
                + " N days, default " + ClusterCertificates.DEFAULT_NODE_DAYS + ")";
    }

    /** @param argv the arguments after {@code cluster tls-init} */
    public int run(List<String> argv) {
        List<String> args = new ArrayList<>(argv);
        List<String> nodes;
        int days;
        try {
            String nodeList = option(args, "--nodes");
            String daysText = option(args, "--days");
            if (nodeList == null || args.size() != 1 || args.get(0).startsWith("-")) {
                throw new IllegalArgumentException(usage());
            }
            nodes = Arrays.stream(nodeList.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
            try {
                days = daysText == null ? ClusterCertificates.DEFAULT_NODE_DAYS : Integer.parseInt(daysText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--days " + daysText + ": not a number", e);
            }
        } catch (IllegalArgumentException e) {
            err.println("membrane: " + e.getMessage());
            return 2;
        }
        ClusterCertificates certs = new ClusterCertificates(Path.of(args.get(0)));
        ClusterCertificates.Issued issued;
        try {
            issued = certs.issue(nodes, days);
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

    private static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        if (i < 0) {
            return null;
        }
        if (i + 1 >= args.size()) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        String v = args.remove(i + 1);
        args.remove(i);
        return v;
    }
}
