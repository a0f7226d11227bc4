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
    void aCompleteResponseIsKnownByItsLengthOrLastChunk() throws IOException {
        byte[] untilEof = "HTTP/1.1 200 OK\r\n\r\nuntil EOF".getBytes(StandardCharsets.US_ASCII);
        byte[] sized = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
        assertEquals(sized.length, Http1Transport.completeLength(sized, sized.length));
        assertEquals(-1, Http1Transport.completeLength(sized, sized.length - 1));
        byte[] spare = java.util.Arrays.copyOf(sized, sized.length + 100);
        assertEquals(sized.length, Http1Transport.completeLength(spare, sized.length), "bytes past length unread");
        byte[] chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        assertEquals(chunked.length, Http1Transport.completeLength(chunked, chunked.length));
        assertEquals(-1, Http1Transport.completeLength(chunked, chunked.length - 2));
        assertEquals(-1, Http1Transport.completeLength(untilEof, untilEof.length));
    }

    /**
     * A fake agent that answers each request on a connection with a sized response, and closes each connection after
     * {@code perConnection} answers; it counts the connections it accepted.
     */
    private static Thread fakeAgent(
            ServerSocketChannel server, int perConnection, java.util.concurrent.atomic.AtomicInteger accepted) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    java.nio.channels.SocketChannel connection = server.accept();
                    accepted.incrementAndGet();
                    Thread one = new Thread(() -> answer(connection, perConnection));
                    one.setDaemon(true);
                    one.start();
                }
            } catch (IOException closed) {
                // the test closed the server
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void answer(java.nio.channels.SocketChannel c, int perConnection) {
        try (c) {
            java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(4096);
            for (int answered = 0; answered < perConnection; ) {
                if (c.read(in) < 0) {
                    return;
                }
                String seen = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
                if (seen.contains("\r\n\r\n")) {
                    in.clear();
                    answered++;
                    c.write(java.nio.ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + answered + "!")
                            .getBytes(StandardCharsets.US_ASCII)));
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    @Test
    void aConnectionIsReusedAndOneTheAgentClosedIsReplacedUnseen() throws Exception {
        Path socket = dir.resolve("keep.sock");
        java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            fakeAgent(server, 2, accepted);
            UnixSocketTransport transport =
                    new UnixSocketTransport(socket, Duration.ofSeconds(2), Duration.ofSeconds(2)).keepingAlive();
            AdminTransport.Request health = new AdminTransport.Request("GET", "/v1/healthz", Map.of(), new byte[0]);
            assertEquals("1!", transport.send(health).bodyText());
            assertEquals("2!", transport.send(health).bodyText(), "the second request on the same connection");
            assertEquals(1, accepted.get());
            // The fake closed that connection after two answers: the third goes on a new one, unseen by the caller.
            assertEquals("1!", transport.send(health).bodyText());
            assertEquals(2, accepted.get());
            // Without keepingAlive every request has a connection of its own.
            UnixSocketTransport plain = new UnixSocketTransport(socket, Duration.ofSeconds(2), Duration.ofSeconds(2));
            assertEquals("1!", plain.send(health).bodyText());
            assertEquals("1!", plain.send(health).bodyText());
            assertEquals(4, accepted.get());
        }
    }

    @Test
    void aResponseLargerThanOneReadArrivesWhole() throws Exception {
        Path socket = dir.resolve("big.sock");
        String body = "x".repeat(300_000);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread t = new Thread(() -> {
                try (java.nio.channels.SocketChannel c = server.accept()) {
                    c.read(java.nio.ByteBuffer.allocate(4096));
                    java.nio.ByteBuffer out = java.nio.ByteBuffer.wrap(
                            ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                                    .getBytes(StandardCharsets.US_ASCII));
                    while (out.hasRemaining()) {
                        c.write(out);
                    }
                } catch (IOException e) {
                    // the test fails on what it reads
                }
            });
            t.setDaemon(true);
            t.start();
            AdminTransport.Response r = new UnixSocketTransport(socket, Duration.ofSeconds(2), Duration.ofSeconds(5))
                    .keepingAlive()
                    .send(new AdminTransport.Request("GET", "/v1/ip", Map.of(), new byte[0]));
            assertEquals(body, r.bodyText());
        }
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
