package io.membrane.cluster.tls;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns {@code membrane.cluster.tls} into Pekko's Artery TLS settings, in the one place that does so: with
 * {@code enabled = true} it sets {@code pekko.remote.artery.transport = tls-tcp} and the config-ssl-engine's
 * stores and passwords, after checking what would otherwise fail only at the first connection, in Pekko's log
 * (a store that does not open, a certificate the trust store does not vouch for or that has expired). It refuses
 * what would quietly weaken the transport: unknown keys in the block, mutual authentication off, another engine
 * provider, and a {@code tls-tcp} transport set by hand, which would skip these checks.
 */
public final class ClusterTls {
    public static final String PATH = "membrane.cluster.tls";
    private static final String TRANSPORT = "pekko.remote.artery.transport";
    private static final String PROVIDER = "pekko.remote.artery.ssl.ssl-engine-provider";
    private static final String ENGINE = "pekko.remote.artery.ssl.config-ssl-engine";
    private static final String CONFIG_PROVIDER = "org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider";
    private static final Set<String> KEYS =
            Set.of("enabled", "key-store", "trust-store", "key-store-password", "key-password", "trust-store-password");

    private ClusterTls() {}

    /**
     * @param config the node's whole resolved configuration
     * @return {@code config} unchanged when TLS is off; otherwise {@code config} with Pekko's TLS settings on top
     * @throws TlsConfigException naming the setting when TLS is misconfigured or weakened
     */
    public static Config apply(Config config) {
        try {
            return translate(config);
        } catch (ConfigException e) {
            throw new TlsConfigException("configuration: " + e.getMessage(), e);
        }
    }

    private static Config translate(Config config) {
        Config tls = config.hasPath(PATH) ? config.getConfig(PATH) : ConfigFactory.empty();
        Set<String> unknown = new TreeSet<>(tls.root().keySet());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            throw new TlsConfigException(
                    PATH + ": unknown key(s) " + unknown + "; the keys are " + new TreeSet<>(KEYS));
        }
        boolean enabled = tls.hasPath("enabled") && tls.getBoolean("enabled");
        String transport = config.getString(TRANSPORT);
        if (!enabled) {
            if (transport.equals("tls-tcp")) {
                throw new TlsConfigException(TRANSPORT + " = tls-tcp is set directly; set " + PATH
                        + ".enabled = true (with its key-store and trust-store) instead, so that the stores are"
                        + " checked and mutual authentication is enforced");
            }
            return config;
        }
        if (!config.getBoolean(ENGINE + ".require-mutual-authentication")) {
            throw new TlsConfigException(ENGINE + ".require-mutual-authentication is off: a node would accept"
                    + " connections from peers without a cluster certificate; Membrane does not run that way");
        }
        String provider = config.getString(PROVIDER);
        if (!provider.equals(CONFIG_PROVIDER)) {
            throw new TlsConfigException(PROVIDER + " = " + provider + ": " + PATH + " configures " + CONFIG_PROVIDER
                    + " only; remove the provider setting");
        }
        Path keyStorePath = file(tls, "key-store");
        Path trustStorePath = file(tls, "trust-store");
        String keyStorePassword = password(tls, "key-store-password", "MEMBRANE_TLS_KEY_STORE_PASSWORD");
        String keyPassword = tls.hasPath("key-password") ? tls.getString("key-password") : keyStorePassword;
        String trustStorePassword = password(tls, "trust-store-password", "MEMBRANE_TLS_TRUST_STORE_PASSWORD");

        KeyStore keyStore = load(keyStorePath, keyStorePassword, "key-store");
        KeyStore trustStore = load(trustStorePath, trustStorePassword, "trust-store");
        checkChains(keyStore, keyStorePath, keyPassword, trustStore, trustStorePath);

        Map<String, Object> pekko = new LinkedHashMap<>();
        pekko.put(TRANSPORT, "tls-tcp");
        pekko.put(ENGINE + ".key-store", keyStorePath.toString());
        pekko.put(ENGINE + ".key-store-password", keyStorePassword);
        pekko.put(ENGINE + ".key-password", keyPassword);
        pekko.put(ENGINE + ".trust-store", trustStorePath.toString());
        pekko.put(ENGINE + ".trust-store-password", trustStorePassword);
        return ConfigFactory.parseMap(pekko, PATH).withFallback(config);
    }

    private static Path file(Config tls, String key) {
        String value = tls.hasPath(key) ? tls.getString(key) : "";
        if (value.isBlank()) {
            throw new TlsConfigException(PATH + "." + key + " is not set");
        }
        Path path = Path.of(value).toAbsolutePath().normalize();
        if (!Files.isReadable(path) || !Files.isRegularFile(path)) {
            throw new TlsConfigException(PATH + "." + key + ": " + path + " is not a readable file");
        }
        return path;
    }

    private static String password(Config tls, String key, String env) {
        if (!tls.hasPath(key) || tls.getString(key).isEmpty()) {
            throw new TlsConfigException(
                    PATH + "." + key + " is not set (set it, or the environment variable " + env + ")");
        }
        return tls.getString(key);
    }

    /** Opens a store the way Pekko's ConfigSSLEngineProvider does (the JDK's default store type). */
    private static KeyStore load(Path path, String password, String key) {
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(in, password.toCharArray());
            return store;
        } catch (IOException | GeneralSecurityException e) {
            String why =
                    e.getCause() instanceof UnrecoverableKeyException ? "wrong " + key + "-password" : e.getMessage();
            throw new TlsConfigException(PATH + "." + key + ": cannot open " + path + " (" + why + ")", e);
        }
    }

    /**
     * Every key in the key store must open with the key password and carry a certificate that is valid today
     * and chains to a CA of the trust store: peers that share this trust store would refuse anything else, and
     * they would say so only in their own logs.
     */
    private static void checkChains(
            KeyStore keyStore, Path keyStorePath, String keyPassword, KeyStore trustStore, Path trustStorePath) {
        try {
            PKIXParameters pkix;
            try {
                pkix = new PKIXParameters(trustStore);
            } catch (java.security.InvalidAlgorithmParameterException e) {
                throw new TlsConfigException(
                        PATH + ".trust-store: " + trustStorePath + " holds no trusted certificate", e);
            }
            // Revocation: the cluster CA publishes no CRL or OCSP responder; removing a node is re-keying.
            pkix.setRevocationEnabled(false);
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            CertPathValidator validator = CertPathValidator.getInstance("PKIX");
            int keys = 0;
            for (String alias : Collections.list(keyStore.aliases())) {
                if (!keyStore.isKeyEntry(alias)) {
                    continue;
                }
                keys++;
                try {
                    if (keyStore.getKey(alias, keyPassword.toCharArray()) == null) {
                        throw new TlsConfigException(PATH + ".key-store: entry '" + alias + "' of " + keyStorePath
                                + " holds no private key");
                    }
                } catch (UnrecoverableKeyException e) {
                    throw new TlsConfigException(
                            PATH + ".key-password does not open key '" + alias + "' of " + keyStorePath, e);
                }
                Certificate[] chain = keyStore.getCertificateChain(alias);
                if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate)) {
                    throw new TlsConfigException(PATH + ".key-store: key '" + alias + "' of " + keyStorePath
                            + " has no X.509 certificate chain");
                }
                // A path handed to PKIX stops short of its trust anchor.
                List<Certificate> path = new ArrayList<>();
                for (Certificate c : chain) {
                    if (trustStore.getCertificateAlias(c) != null) {
                        break;
                    }
                    path.add(c);
                }
                if (path.isEmpty()) {
                    throw new TlsConfigException(
                            PATH + ".key-store: the certificate of key '" + alias + "' of " + keyStorePath
                                    + " is itself in the trust store; a node needs a certificate issued by the CA");
                }
                try {
                    validator.validate(x509.generateCertPath(path), pkix);
                } catch (CertPathValidatorException e) {
                    X509Certificate own = (X509Certificate) chain[0];
                    throw new TlsConfigException(
                            PATH + ".key-store: the certificate of '" + alias + "' ("
                                    + own.getSubjectX500Principal().getName() + ", issued by "
                                    + own.getIssuerX500Principal().getName() + ") is not valid under the CAs of "
                                    + trustStorePath + ": " + e.getMessage(),
                            e);
                }
            }
            if (keys == 0) {
                throw new TlsConfigException(PATH + ".key-store: " + keyStorePath + " holds no private key");
            }
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException(
                    PATH + ": cannot check " + keyStorePath + " against " + trustStorePath + ": " + e.getMessage(), e);
        }
    }
}
