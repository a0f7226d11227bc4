package io.membrane.cluster.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The translation of {@code membrane.cluster.tls} into Pekko's settings, and every way it refuses a setting that
 * would not work or would weaken the transport — each refusal names the setting.
 */
class ClusterTlsTest {
    private static final String ENGINE = "pekko.remote.artery.ssl.config-ssl-engine";

    private static Config config(String text) {
        return ConfigFactory.parseString(text)
                .withFallback(ConfigFactory.defaultReference())
                .resolve();
    }

    private static String tls(ClusterCertificates pki, String node) {
        return TestPki.tlsConfig(pki, node);
    }

    private static TlsConfigException refused(String text) {
        return assertThrows(TlsConfigException.class, () -> ClusterTls.apply(config(text)));
    }

    @Test
    void offByDefaultAndThenTheConfigIsLeftAlone() {
        Config c = config("");
        assertSame(c, ClusterTls.apply(c));
        assertEquals("tcp", c.getString("pekko.remote.artery.transport"));
    }

    @Test
    void onItSelectsTlsTcpWithTheStoresAndMutualAuthentication() {
        ClusterCertificates pki = TestPki.get().cluster;
        Config c = ClusterTls.apply(config(tls(pki, "n2")));
        assertEquals("tls-tcp", c.getString("pekko.remote.artery.transport"));
        assertEquals(pki.nodeStore("n2").toString(), c.getString(ENGINE + ".key-store"));
        assertEquals(pki.trustStore().toString(), c.getString(ENGINE + ".trust-store"));
        assertEquals(pki.storePassword(), c.getString(ENGINE + ".key-store-password"));
        assertEquals(pki.storePassword(), c.getString(ENGINE + ".key-password"), "defaults to key-store-password");
        assertEquals(pki.storePassword(), c.getString(ENGINE + ".trust-store-password"));
        assertTrue(c.getBoolean(ENGINE + ".require-mutual-authentication"));
        assertEquals("TLSv1.3", c.getString(ENGINE + ".protocol"));
        assertTrue(c.isResolved());
    }

    @Test
    void passwordsComeFromTheEnvironmentVariablesTheErrorsName() {
        // Every reference.conf, unresolved, resolved with stand-ins for the environment variables (a substitution
        // finds a root-level key of the same name before it looks at the environment).
        Config reference = ConfigFactory.parseResources(ClusterTls.class.getClassLoader(), "reference.conf");
        ConfigResolveOptions noEnvironment = ConfigResolveOptions.defaults().setUseSystemEnvironment(false);
        Config env = ConfigFactory.parseMap(Map.of(
                "MEMBRANE_TLS_KEY_STORE_PASSWORD",
                "ks",
                "MEMBRANE_TLS_KEY_PASSWORD",
                "k",
                "MEMBRANE_TLS_TRUST_STORE_PASSWORD",
                "ts"));
        Config tls = env.withFallback(reference).resolve(noEnvironment).getConfig(ClusterTls.PATH);
        assertEquals("ks", tls.getString("key-store-password"));
        assertEquals("k", tls.getString("key-password"));
        assertEquals("ts", tls.getString("trust-store-password"));

        ClusterCertificates pki = TestPki.get().cluster;
        String noPasswords = "membrane.cluster.tls { enabled = true, key-store = \"" + pki.nodeStore("n1")
                + "\", trust-store = \"" + pki.trustStore() + "\" }";
        // Resolved without the environment, so the passwords are missing whatever this build's environment holds.
        Config bare =
                ConfigFactory.parseString(noPasswords).withFallback(reference).resolve(noEnvironment);
        String message = assertThrows(TlsConfigException.class, () -> ClusterTls.apply(bare))
                .getMessage();
        assertTrue(
                message.contains("key-store-password") && message.contains("MEMBRANE_TLS_KEY_STORE_PASSWORD"), message);
        Config withKeyStorePassword = ConfigFactory.parseString(
                        "membrane.cluster.tls.key-store-password = \"" + pki.storePassword() + "\"")
                .withFallback(bare);
        message = assertThrows(TlsConfigException.class, () -> ClusterTls.apply(withKeyStorePassword))
                .getMessage();
        assertTrue(
                message.contains("trust-store-password") && message.contains("MEMBRANE_TLS_TRUST_STORE_PASSWORD"),
                message);
    }

    @Test
    void aTypoCannotLeaveTheTransportInTheClear() {
        assertTrue(refused("membrane.cluster.tls.enable = true").getMessage().contains("unknown key(s) [enable]"));
        assertTrue(refused("membrane.cluster.tls.enabled = ture").getMessage().contains("enabled"));
        assertTrue(refused("pekko.remote.artery.transport = tls-tcp")
                .getMessage()
                .contains("membrane.cluster.tls.enabled = true"));
    }

    @Test
    void mutualAuthenticationCannotBeSwitchedOff() {
        ClusterCertificates pki = TestPki.get().cluster;
        String message = refused(tls(pki, "n1") + ENGINE + ".require-mutual-authentication = off")
                .getMessage();
        assertTrue(message.contains("require-mutual-authentication is off"), message);
        message = refused(tls(pki, "n1") + "pekko.remote.artery.ssl.ssl-engine-provider = "
                        + "\"org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider\"")
                .getMessage();
        assertTrue(message.contains("ssl-engine-provider"), message);
    }

    @Test
    void storesThatWouldFailAtTheFirstConnectionAreRefusedAtStart() {
        TestPki pki = TestPki.get();
        String message = refused(tls(pki.cluster, "n1") + "membrane.cluster.tls.key-store-password = wrong")
                .getMessage();
        assertTrue(message.contains("key-store") && message.contains("wrong key-store-password"), message);

        message = refused(tls(pki.cluster, "n1") + "membrane.cluster.tls.key-store = /nonexistent.p12")
                .getMessage();
        assertTrue(message.contains("/nonexistent.p12 is not a readable file"), message);

        message = refused(tls(pki.cluster, "n1") + "membrane.cluster.tls.key-password = wrong")
                .getMessage();
        assertTrue(message.contains("key-password does not open"), message);

        // The foreign node's store with the cluster's trust store: peers would refuse it, so it does not start.
        message = refused(tls(pki.cluster, "n1") + "membrane.cluster.tls.key-store = \""
                        + pki.foreign.nodeStore("intruder") + "\"\nmembrane.cluster.tls.key-store-password = \""
                        + pki.foreign.storePassword() + "\"")
                .getMessage();
        assertTrue(
                message.contains("CN=intruder")
                        && message.contains("is not valid under the CAs of " + pki.cluster.trustStore()),
                message);

        // A key store given as trust store: a private key is no trust anchor.
        message = refused(tls(pki.cluster, "n1") + "membrane.cluster.tls.trust-store = \"" + pki.cluster.nodeStore("n2")
                        + "\"")
                .getMessage();
        assertTrue(message.contains("holds no trusted certificate"), message);
    }
}
