package io.membrane.actors.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.membrane.actors.AgentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token listener's configuration and secret: it is off by default, refused when enabled without exactly one
 * token source, refused when the token is missing, short or world-readable, and only the exact token passes.
 */
class BearerTokenTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;

    private static AgentConfig config(String api) {
        return AgentConfig.from(ConfigFactory.parseString("membrane.api { " + api + " }")
                .withFallback(ConfigFactory.defaultReference())
                .resolve());
    }

    private static AgentConfig.TokenListener fromEnv(String name) {
        return new AgentConfig.TokenListener("127.0.0.1", 0, Optional.empty(), Optional.of(name));
    }

    @Test
    void theDefaultsAreARootSocketAndNoTokenListener() {
        AgentConfig c = config("");
        assertEquals("root", c.apiSocketGroup());
        assertEquals(Optional.empty(), c.tokenListener());
        assertEquals(c.runDir().resolve("membrane.sock"), c.apiSocket());
    }

    @Test
    void anEnabledListenerNeedsExactlyOneTokenSource() {
        for (String sources : new String[] {"", "token-file = \"/etc/t\", token-env = \"T\""}) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> config("token-listener { enabled = on, " + sources + " }"));
            assertTrue(e.getMessage().contains("membrane.api.token-listener"), e.getMessage());
        }
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> config("token-listener { enabled = on," + " token-env = T, port = 70000 }"))
                .getMessage()
                .contains("membrane.api.token-listener.port"));
        assertEquals(
                Optional.of(new AgentConfig.TokenListener("127.0.0.1", 9877, Optional.empty(), Optional.of("T"))),
                config("token-listener { enabled = on, token-env = T }").tokenListener());
    }

    @Test
    void onlyTheExactTokenIsAccepted() {
        BearerToken token = BearerToken.load(fromEnv("T"), Map.of("T", TOKEN + "\n")::get);
        assertTrue(token.accepts(Optional.of("Bearer " + TOKEN)));
        assertTrue(token.accepts(Optional.of("bearer " + TOKEN)), "the scheme is case-insensitive (RFC 7235)");
        assertFalse(token.accepts(Optional.empty()));
        assertFalse(token.accepts(Optional.of(TOKEN)), "no scheme");
        assertFalse(token.accepts(Optional.of("Basic " + TOKEN)));
        assertFalse(token.accepts(Optional.of("Bearer " + TOKEN.substring(1))));
        assertFalse(token.accepts(Optional.of("Bearer " + TOKEN + "0")));
        assertFalse(token.accepts(Optional.of("Bearer ")));
        assertFalse(token.toString().contains(TOKEN));
    }

    @Test
    void aMissingShortOrWorldReadableTokenIsRefused() throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BearerToken.load(fromEnv("UNSET"), n -> null))
                .getMessage()
                .contains("token-env UNSET: no token"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BearerToken.load(fromEnv("T"), n -> "short"))
                .getMessage()
                .contains("at least " + BearerToken.MIN_LENGTH));
        Path file = dir.resolve("token");
        Files.writeString(file, TOKEN + "\n");
        AgentConfig.TokenListener fromFile =
                new AgentConfig.TokenListener("127.0.0.1", 0, Optional.of(file), Optional.empty());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BearerToken.load(fromFile))
                .getMessage()
                .contains("readable by every user"));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertTrue(BearerToken.load(fromFile).accepts(Optional.of("Bearer " + TOKEN)));
        Files.delete(file);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BearerToken.load(fromFile))
                .getMessage()
                .contains("token-file " + file));
    }
}
