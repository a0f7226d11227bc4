package io.membrane.actors.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.membrane.actors.api.client.AdminTransport;
import io.membrane.actors.api.client.UnixSocketTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unix-socket server over a small route, without an agent: the socket's mode and group from the first
 * moment, the stale-socket and live-socket rules, removal on close, persistent and chunked responses through
 * the server layer, and connections that end — after the last response, and after the idle timeout.
 */
class AdminSocketTest {
    private static ActorSystem<Void> system;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        system = ActorSystem.create(
                Behaviors.empty(),
                "socket-test",
                ConfigFactory.parseString("pekko.http.server.idle-timeout = 1s").withFallback(ConfigFactory.load()));
    }

    @AfterAll
    static void stop() {
        system.terminate();
    }

    private static final class Hello extends AllDirectives {
        Route route() {
            return concat(
                    path("hi", () -> complete("hello")),
                    path(
                            "chunked",
                            () -> complete(HttpEntities.createChunked(
                                    ContentTypes.TEXT_PLAIN_UTF8,
                                    Source.from(java.util.List.of("one ", "two ", "three"))
                                            .map(ByteString::fromString)))));
        }
    }

    private static String group() {
        return "root".equals(System.getProperty("user.name")) ? "daemon" : System.getProperty("user.name");
    }

    private AdminSocket bind(Path path) throws IOException {
        return AdminSocket.bind(system, path, group(), new Hello().route());
    }

    private static AdminTransport.Response get(Path socket, String path) throws IOException {
        return new UnixSocketTransport(socket, Duration.ofSeconds(2), Duration.ofSeconds(5))
                .send(new AdminTransport.Request("GET", path, Map.of(), new byte[0]));
    }

    @Test
    void theSocketIsOwnerAndGroupOnlyAndGoesAwayOnClose() throws Exception {
        Path path = dir.resolve("run").resolve("membrane.sock");
        try (AdminSocket socket = bind(path)) {
            PosixFileAttributes a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            assertTrue(a.isOther(), "a socket");
            assertEquals("rw-rw----", PosixFilePermissions.toString(a.permissions()));
            assertEquals(group(), a.group().getName());
            assertEquals(System.getProperty("user.name"), a.owner().getName());
            try (var left = Files.list(path.getParent())) {
                assertEquals(java.util.List.of(path), left.toList(), "the private staging directory is gone");
            }
            assertEquals("hello", get(path, "/hi").bodyText());
            assertEquals("one two three", get(path, "/chunked").bodyText(), "a chunked entity, dechunked");
            await("every connection ended after its response")
                    .atMost(Duration.ofSeconds(5))
                    .until(socket::connections, n -> n == 0);
        }
        assertFalse(Files.exists(path, LinkOption.NOFOLLOW_LINKS), "close removes the socket");
    }

    @Test
    void aStaleSocketIsReplacedALiveOneOrAFileRefused() throws Exception {
        Path path = dir.resolve("membrane.sock");
        ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                .bind(UnixDomainSocketAddress.of(path))
                .close();
        try (AdminSocket socket = bind(path)) {
            assertEquals("hello", get(path, "/hi").bodyText());
            IOException live = assertThrows(IOException.class, () -> bind(path));
            assertTrue(live.getMessage().contains("another agent serves"), live.getMessage());
            assertEquals("hello", get(path, "/hi").bodyText(), "the refused bind left the live socket alone");
        }
        Files.writeString(path, "not a socket");
        assertTrue(
                assertThrows(IOException.class, () -> bind(path)).getMessage().contains("is not a socket"));
        assertEquals("not a socket", Files.readString(path));
        Files.delete(path);
        IllegalArgumentException group = assertThrows(
                IllegalArgumentException.class,
                () -> AdminSocket.bind(system, path, "no-such-group-mbr", new Hello().route()));
        assertTrue(group.getMessage().contains("membrane.api.socket-group"), group.getMessage());
        assertFalse(Files.exists(path, LinkOption.NOFOLLOW_LINKS), "nothing left behind");
    }

    @Test
    void closeLeavesASocketThatReplacedOurs() throws Exception {
        Path path = dir.resolve("membrane.sock");
        AdminSocket socket = bind(path);
        Files.delete(path);
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(path));
            socket.close();
            assertTrue(Files.exists(path, LinkOption.NOFOLLOW_LINKS), "another's socket stays");
        }
    }

    @Test
    void aConnectionServesSeveralRequestsAndEndsWhenIdle() throws Exception {
        Path path = dir.resolve("membrane.sock");
        try (AdminSocket socket = bind(path);
                SocketChannel raw = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            byte[] two = "GET /hi HTTP/1.1\r\nHost: x\r\n\r\nGET /hi HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            raw.write(ByteBuffer.wrap(two));
            StringBuilder got = new StringBuilder();
            // Read until the server closes; the try's close of the channel ends a read that would wait forever.
            CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
                ByteBuffer buffer = ByteBuffer.allocate(4096);
                try {
                    for (int n; (n = raw.read(buffer.clear())) >= 0; ) {
                        got.append(new String(buffer.array(), 0, n, StandardCharsets.US_ASCII));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            closed.get(10, TimeUnit.SECONDS);
            assertEquals(2, got.toString().split("hello", -1).length - 1, "two responses on one connection: " + got);
            await("its slot is free again").atMost(Duration.ofSeconds(5)).until(socket::connections, n -> n == 0);
        }
    }
}
