package io.membrane.actors.api.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.AgentConfig;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unix-socket transport without an agent: responses by length or in chunks, truncated ones refused, and what
 * a missing, dead or silent socket comes back as; and {@link AdminClient#connect}'s reading of targets.
 */
class UnixSocketTransportTest {
    @TempDir
    Path dir;

    private static AdminTransport.Response parse(String raw) throws IOException {
        return Http1Transport.parse(raw.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void responsesWithLengthOrChunksAreParsed() throws Exception {
        AdminTransport.Response plain = parse("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                + "Content-Length: 13\r\n\r\n{\"error\":\"x\"}");
        assertEquals(404, plain.status());
        assertEquals("{\"error\":\"x\"}", plain.bodyText());
        assertEquals("application/json", plain.header("Content-Type"));
        AdminTransport.Response chunked = parse(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + "4\r\nabcd\r\n3;ext=1\r\nefg\r\n0\r\n\r\n");
        assertEquals(200, chunked.status());
        assertEquals("abcdefg", chunked.bodyText());
        assertEquals("to the end", parse("HTTP/1.1 200 OK\r\n\r\nto the end").bodyText(), "no length: until EOF");
    }

    @Test
    void truncatedOrForeignResponsesAreRefused() {
        assertThrows(IOException.class, () -> parse("HTTP/1.1 200 OK\r\n"));
        assertThrows(IOException.class, () -> parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"));
        assertThrows(IOException.class, () -> parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nabc"));
        assertThrows(IOException.class, () -> parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
        assertThrows(IOException.class, () -> parse("SSH-2.0-OpenSSH\r\n\r\n"));
    }

    private static AdminTransport.Response get(Path socket, Duration timeout) throws IOException {
        return new UnixSocketTransport(socket, timeout, timeout)
                .send(new AdminTransport.Request("GET", "/v1/healthz", Map.of(), new byte[0]));
    }

    @Test
    void aMissingOrDeadSocketIsRefusedAndASilentOneTimesOut() throws Exception {
        ConnectException missing =
                assertThrows(ConnectException.class, () -> get(dir.resolve("none.sock"), Duration.ofSeconds(1)));
        assertTrue(missing.getMessage().contains("none.sock"), missing.getMessage());
        Path dead = dir.resolve("dead.sock");
        ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                .bind(UnixDomainSocketAddress.of(dead))
                .close();
        assertThrows(ConnectException.class, () -> get(dead, Duration.ofSeconds(1)), "a socket file nobody serves");
        try (ServerSocketChannel silent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            silent.bind(UnixDomainSocketAddress.of(dir.resolve("silent.sock")));
            assertThrows(SocketTimeoutException.class, () -> get(dir.resolve("silent.sock"), Duration.ofMillis(300)));
        }
    }

    @Test
    void targetsAreTurnedIntoTheirTransport() {
        Duration t = Duration.ofSeconds(1);
        assertEquals(
                "unix:/run/x.sock",
                AdminClient.connect("unix:/run/x.sock").transport().describe());
        assertEquals(
                "unix:/run/x.sock",
                AdminClient.connect("/run/x.sock").transport().describe());
        AdminTransport http = AdminClient.connect("http://127.0.0.1:9877", t, t, Optional.of("secret"))
                .transport();
        assertTrue(http instanceof Http1Transport, http.toString());
        assertEquals("http://127.0.0.1:9877", http.describe());
        for (String bad : new String[] {"unix:relative.sock", "127.0.0.1:9876", "ftp://x", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdminClient.connect(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void theDefaultTargetIsTheDefaultConfigsSocket() {
        assertEquals(
                AdminClient.DEFAULT_TARGET,
                "unix:" + AgentConfig.load(Optional.empty()).apiSocket());
        assertEquals(
                AdminClient.DEFAULT_TARGET,
                "unix:"
                        + AgentConfig.load(Optional.of(Path.of("..", "conf", "membrane.conf")))
                                .apiSocket(),
                "bin/membrane agent's config");
    }
}
