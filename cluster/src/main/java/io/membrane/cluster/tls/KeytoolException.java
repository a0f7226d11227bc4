package io.membrane.cluster.tls;

/**
 * A keytool run that failed: which command, its exit code and everything it printed. The message carries
 * keytool's own error line (keytool follows a usage error with its whole help text, which {@link #output()}
 * keeps but the one-line message leaves out).
 */
public final class KeytoolException extends CertificateToolException {
    private static final long serialVersionUID = 1L;

    private final String command;
    private final int exitCode;
    private final String output;

    public KeytoolException(String command, int exitCode, String output) {
        super("keytool " + command + " failed (exit " + exitCode + "): " + firstParagraph(output));
        this.command = command;
        this.exitCode = exitCode;
        this.output = output;
    }

    /** The keytool command, e.g. {@code -gencert}. */
    public String command() {
        return command;
    }

    public int exitCode() {
        return exitCode;
    }

    /** Everything keytool wrote to stdout and stderr. */
    public String output() {
        return output;
    }

    private static String firstParagraph(String output) {
        String text = output.strip();
        int blank = text.indexOf("\n\n");
        String first = blank < 0 ? text : text.substring(0, blank);
        return first.isEmpty() ? "(no output)" : first.replace('\n', ' ');
    }
}
