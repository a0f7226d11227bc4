package io.membrane.cluster.tls;

/**
 * {@link ClusterCertificates} could not make the key material: a bad node name, a store that already exists, a
 * directory it cannot write, or (as {@link KeytoolException}) a keytool run that failed.
 */
public class CertificateToolException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public CertificateToolException(String message) {
        super(message);
    }

    public CertificateToolException(String message, Throwable cause) {
        super(message, cause);
    }
}
