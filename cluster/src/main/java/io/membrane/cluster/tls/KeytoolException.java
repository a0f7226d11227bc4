package io.membrane.cluster.tls;

/**
 * A keytool run that failed: which command, its exit code and everything it printed. The message carries
 * keytool's own error line (keytool follows a usage error with its whole help text, which {@link Run#output()}
 * keeps but the one-line message leaves out).
 */
public final class KeytoolException extends CertificateToolException {
    private static final long serialVersionUID = 1L;

    /**
     * @param command the keytool command, e.g. {@code -genkeypair}
     * @param output  everything keytool wrote to stdout and stderr
     */
    public record Run(String command, int exitCode, String output) {
        /** keytool's own error line: the first paragraph of its output, on one line. */
        String errorLine() {
            String text = output.strip();
            int blank = text.indexOf("\n\n");
            String first = blank < 0 ? text : text.substring(0, blank);
            return first.isEmpty() ? "(no output)" : first.replace('\n', ' ');
        }
    }

    private final transient Run run;

    public KeytoolException(Run run) {
        super("keytool " + run.command() + " failed (exit " + run.exitCode() + "): " + run.errorLine());
        this.run = run;
    }

    /** The failed run: its command, exit code and output. */
    public Run run() {
        return run;
    }
}
