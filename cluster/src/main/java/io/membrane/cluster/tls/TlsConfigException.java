package io.membrane.cluster.tls;

/**
 * A {@code membrane.cluster.tls} setting that cannot work or would weaken the transport: an unknown key, a
 * missing password, a store that does not open, a certificate the trust store does not vouch for, or mutual
 * authentication switched off. It is an {@link IllegalArgumentException} so that the CLI prints it as one line.
 */
public final class TlsConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public TlsConfigException(String message) {
        super(message);
    }

    public TlsConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
