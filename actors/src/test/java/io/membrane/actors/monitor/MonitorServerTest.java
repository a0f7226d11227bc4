package io.membrane.actors.monitor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.monitor.Subscription.Cause;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The monitor socket end to end in one JVM: handshake, framing, filters, heartbeats, slow clients, shutdown. */
class MonitorServerTest {
    @TempDir
    Path dir;

    private Path socket;
    private final FeedSource feed = new FeedSource();
    private EventPump pump;
    private MonitorServer server;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        socket = dir.resolve("monitor.sock");
        pump = EventPump.start(feed.factory(), EventPump.Options.DEFAULT.withThreadName("test-pump"));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
        pump.close();
    }

    private MonitorServer serve(MonitorServer.Options options) throws IOException {
        server = MonitorServer.start(socket, pump, options);
        return server;
    }

    private MonitorClient connect(MonitorClient.Options options) throws IOException {
        MonitorClient c = MonitorClient.connect(socket, options);
        closeAfter.add(c);
        return c;
    }

    private void pushDrops(int n) {
        for (int i = 0; i < n; i++) {
            feed.sample(i % 2, Samples.prefilterDrop("10.77.0.1", "10.77.0.2", 5));
        }
    }

    private static List<MonitorClient.Received> read(MonitorClient c, int n) throws IOException {
        List<MonitorClient.Received> out = new ArrayList<>();
        while (out.size() < n) {
            out.add(c.next()
                    .orElseThrow(() -> new AssertionError("stream ended after " + out.size() + " events: " + c.end())));
        }
        return out;
    }

    @Test
    void handshakeAgreesOnVersionOne() throws Exception {
        serve(MonitorServer.Options.DEFAULT.withHeartbeat(Duration.ofMillis(1234)));
        MonitorClient c = connect(MonitorClient.Options.DEFAULT
                .withVersions(List.of(7, 1))
                .withQueue(100)
                .withTypes(List.of("drop")));
        assertEquals(1, c.version());
        assertEquals(1234, c.welcome().get("heartbeat_ms").asInt());
        assertEquals(100, c.welcome().get("queue").asInt());
        assertEquals("drop", c.welcome().get("types").get(0).asText());
        await("the client registered").until(() -> server.clients().size(), n -> n == 1);
        MonitorServer.ClientStatus st = server.clients().get(0);
        assertEquals("cli", st.client());
        assertEquals(1, st.version());
        assertEquals(List.of("drop"), st.types());
        assertEquals(100, st.queueCapacity());
    }

    @Test
    void unsupportedVersionGetsAnErrorNamingTheSupportedOnes() throws Exception {
        serve(MonitorServer.Options.DEFAULT);
        MonitorProtocolException x = assertThrows(
                MonitorProtocolException.class,
                () -> connect(MonitorClient.Options.DEFAULT.withVersions(List.of(2, 3))));
        assertEquals(MonitorProtocol.ERR_UNSUPPORTED_VERSION, x.code());
        assertEquals(List.of(1), x.supportedVersions());
        assertTrue(x.getMessage().contains("[2, 3]") && x.getMessage().contains("[1]"), x.getMessage());
        assertEquals(1, server.refused());
        assertTrue(pump.listeners().isEmpty());
    }

    @Test
    void badOptionsGetAnError() throws Exception {
        serve(MonitorServer.Options.DEFAULT);
        MonitorProtocolException x = assertThrows(
                MonitorProtocolException.class,
                () -> connect(MonitorClient.Options.DEFAULT.withTypes(List.of("drop", "trace"))));
        assertEquals(MonitorProtocol.ERR_BAD_HELLO, x.code());
        assertTrue(x.getMessage().contains("\"trace\""), x.getMessage());
    }

    @Test
    void garbageIsClosedWithoutAnAnswer() throws Exception {
        serve(MonitorServer.Options.DEFAULT);
        assertEquals(-1, sendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        // the right magic, then a frame that is not HELLO
        ByteBuffer notHello = ByteBuffer.allocate(4 + 5 + 2)
                .putInt(MonitorProtocol.MAGIC)
                .putInt(3)
                .put((byte) MonitorProtocol.EVENT)
                .putShort((short) 0);
        assertEquals(-1, sendRaw(notHello.array()));
        // the right magic, then a length no frame may have
        ByteBuffer huge = ByteBuffer.allocate(9)
                .putInt(MonitorProtocol.MAGIC)
                .putInt(Integer.MAX_VALUE)
                .put((byte) MonitorProtocol.HELLO);
        assertEquals(-1, sendRaw(huge.array()));
        await("3 refused").until(server::refused, n -> n == 3);
        assertTrue(pump.listeners().isEmpty());
        // and the server still serves
        assertEquals(1, connect(MonitorClient.Options.DEFAULT).version());
    }

    @Test
    void aSilentConnectionIsClosedAfterTheHandshakeTimeout() throws Exception {
        serve(MonitorServer.Options.DEFAULT.withHandshakeTimeout(Duration.ofMillis(100)));
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            assertEquals(-1, ch.read(ByteBuffer.allocate(16)), "closed without a byte");
        }
    }

    /** Sends bytes, then reads until the server closes; returns -1 if it closed without sending a byte. */
    private int sendRaw(byte[] bytes) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(bytes));
            ByteBuffer in = ByteBuffer.allocate(256);
            int total = 0;
            int n;
            try {
                while ((n = ch.read(in)) > 0) {
                    total += n;
                }
            } catch (java.net.SocketException reset) {
                // closed with our bytes unread: a reset, still no answer
            }
            return total == 0 ? -1 : total;
        }
    }

    @Test
    void eventsArriveFilteredByType() throws Exception {
        serve(MonitorServer.Options.DEFAULT);
        MonitorClient all = connect(MonitorClient.Options.DEFAULT.withClient("all"));
        MonitorClient some =
                connect(MonitorClient.Options.DEFAULT.withClient("some").withTypes(List.of("policy-verdict", "lost")));
        await("2 listeners").until(() -> pump.listeners().size(), n -> n == 2);

        pushDrops(3);
        feed.sample(1, Samples.verdict(12, 1002, 1001, 0, 7, 2, "10.78.0.11", "10.78.0.12", 40112, 8080, 6, 1));
        feed.lost(2, 9);
        pushDrops(2);
        feed.sample(0, Samples.unknown(9, 0, 16));

        List<MonitorClient.Received> a = read(all, 8);
        assertEquals(
                List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L),
                a.stream().map(r -> r.event().seq()).toList());
        assertEquals(
                List.of("drop", "drop", "drop", "policy-verdict", "lost", "drop", "drop", "unknown"),
                a.stream().map(r -> EventFormat.type(r.event())).toList());

        List<MonitorClient.Received> s = read(some, 2);
        assertEquals(List.of(4L, 5L), s.stream().map(r -> r.event().seq()).toList());
        assertEquals(
                "Policy verdict: local EP ID 12, remote ID 1001, proto 6, ingress, action allow, match L3-L4, "
                        + "10.78.0.11:40112 -> 10.78.0.12:8080 tcp",
                EventFormat.line(s.get(0).event()));
        assertEquals("CPU 02: Lost 9 events", EventFormat.line(s.get(1).event()));
        // the JSON as sent is the pump's event, unchanged
        Event sent = pump.recent(8).get(3);
        assertEquals(EventFormat.json(sent), s.get(0).json());
        assertEquals(sent, s.get(0).event());
    }

    @Test
    void aClientThatStopsReadingIsDroppedWithoutStallingTheOthers() throws Exception {
        int total = 20_000;
        serve(MonitorServer.Options.DEFAULT
                .withQueueCapacity(65_536)
                .withCloseGrace(Duration.ofSeconds(5))
                .withWriteTimeout(Duration.ofSeconds(10)));
        MonitorClient stalled =
                connect(MonitorClient.Options.DEFAULT.withClient("stalled").withQueue(16));
        MonitorClient reader = connect(MonitorClient.Options.DEFAULT.withClient("reader"));
        await("2 listeners").until(() -> pump.listeners().size(), n -> n == 2);
        CompletableFuture<List<Long>> got = CompletableFuture.supplyAsync(() -> {
            try {
                return read(reader, total).stream().map(r -> r.event().seq()).toList();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });

        // A first trickle both clients take (the stalled one into its socket buffer), then the flood.
        pushDrops(10);
        await("10 to each of 2 clients")
                .until(
                        server::clients,
                        clients -> clients.size() == 2 && clients.stream().allMatch(c -> c.delivered() == 10));
        pushDrops(total - 10);
        await("the stalled client dropped").until(pump::droppedListeners, dropped -> !dropped.isEmpty());
        EventPump.DroppedListener d = pump.droppedListeners().get(0);
        assertTrue(d.name().endsWith("stalled"), d.name());
        assertEquals(Cause.TOO_SLOW, d.cause());

        List<Long> seqs = got.get(30, TimeUnit.SECONDS);
        assertEquals(total, seqs.size());
        assertEquals(total, seqs.get(total - 1), "the reader got every event, in order");
        assertEquals(1, pump.listeners().size());

        // The stalled client reads again: what was sent, without gaps, then the DROPPED frame.
        List<Long> before = new ArrayList<>();
        MonitorClient.End end = stalled.forEach(r -> before.add(r.event().seq()));
        assertEquals(MonitorClient.End.Kind.DROPPED, end.kind(), end.toString());
        assertTrue(end.reason().contains("queue full (16 events waiting)"), end.reason());
        assertTrue(before.size() >= 10, before.size() + " events before the DROPPED frame");
        for (int i = 0; i < before.size(); i++) {
            assertEquals(i + 1, before.get(i), "no event skipped silently");
        }
        assertTrue(before.size() < total);
    }

    @Test
    void heartbeatsFlowAndCloseSaysBye() throws Exception {
        serve(MonitorServer.Options.DEFAULT.withHeartbeat(Duration.ofMillis(20)));
        MonitorClient c = connect(MonitorClient.Options.DEFAULT);
        CompletableFuture<MonitorClient.End> end = CompletableFuture.supplyAsync(() -> {
            try {
                return c.forEach(r -> {});
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        await("3 heartbeats").until(c::heartbeats, n -> n >= 3);
        assertTrue(c.lastHeartbeat().isPresent());
        server.close();
        MonitorClient.End e = end.get(10, TimeUnit.SECONDS);
        assertEquals(MonitorClient.End.Kind.BYE, e.kind());
        assertEquals("the monitor server is closing", e.reason());
        assertFalse(Files.exists(socket), "the socket file is removed");
        assertTrue(pump.listeners().isEmpty());
        assertTrue(pump.droppedListeners().isEmpty());
    }

    @Test
    void anEventRightAfterTheWelcomeReachesTheClient() throws Exception {
        serve(MonitorServer.Options.DEFAULT.withHeartbeat(Duration.ofMillis(20)));
        for (int round = 0; round < 30; round++) {
            try (MonitorClient c = connect(MonitorClient.Options.DEFAULT)) {
                // No wait for the pump to count the listener: holding the WELCOME must be enough.
                pushDrops(1);
                String json = assertTimeoutPreemptively(
                        Duration.ofSeconds(5), () -> read(c, 1).get(0).json(), "round " + round + ": no event");
                assertTrue(json.contains("10.77.0.1"), json);
            }
            await("the client gone").until(() -> pump.listeners().size(), n -> n == 0);
        }
    }

    @Test
    void aStoppedPumpSaysBye() throws Exception {
        serve(MonitorServer.Options.DEFAULT);
        MonitorClient c = connect(MonitorClient.Options.DEFAULT);
        await("1 listener").until(() -> pump.listeners().size(), n -> n == 1);
        pushDrops(5);
        await("5 published").until(pump::lastSeq, seq -> seq == 5);
        pump.close();
        List<MonitorClient.Received> events = new ArrayList<>();
        MonitorClient.End end = c.forEach(events::add);
        assertEquals(5, events.size(), "queued events first");
        assertEquals(MonitorClient.End.Kind.BYE, end.kind());
        assertEquals("the event pump stopped", end.reason());
    }

    @Test
    void aClientThatLeavesIsForgottenAndNotCountedAsDropped() throws Exception {
        serve(MonitorServer.Options.DEFAULT.withHeartbeat(Duration.ofMillis(20)));
        MonitorClient c = connect(MonitorClient.Options.DEFAULT);
        await("1 client").until(() -> server.clients().size(), n -> n == 1);
        // By now 20 ms heartbeats lie unread in the client: closing over unread bytes resets the connection, which
        // is a client that left all the same, not a failed sink.
        await("a heartbeat unread").pollDelay(Duration.ofMillis(100)).until(() -> true);
        c.close();
        await("the client forgotten")
                .untilAsserted(() -> assertTrue(
                        server.clients().isEmpty() && pump.listeners().isEmpty(),
                        () -> "clients " + server.clients() + ", listeners " + pump.listeners()));
        assertTrue(pump.droppedListeners().isEmpty());
    }

    @Test
    void tooManyClientsAreRefusedAsBusy() throws Exception {
        serve(MonitorServer.Options.DEFAULT.withMaxConnections(1));
        connect(MonitorClient.Options.DEFAULT);
        MonitorProtocolException x =
                assertThrows(MonitorProtocolException.class, () -> connect(MonitorClient.Options.DEFAULT));
        assertEquals(MonitorProtocol.ERR_BUSY, x.code());
    }

    @Test
    void theSocketFileIsPrivateReplacesAStaleOneAndRefusesALiveOne() throws Exception {
        Files.writeString(socket, "stale");
        serve(MonitorServer.Options.DEFAULT);
        assertEquals(PosixFilePermissions.fromString("rw-rw----"), Files.getPosixFilePermissions(socket));
        IOException x =
                assertThrows(IOException.class, () -> MonitorServer.start(socket, pump, MonitorServer.Options.DEFAULT));
        assertTrue(x.getMessage().contains("another monitor server"), x.getMessage());
        assertEquals(1, connect(MonitorClient.Options.DEFAULT).version(), "the first server still serves");
        server.close();
        assertFalse(Files.exists(socket));
    }

    @Test
    void nothingListeningIsAnIoError() {
        IOException x = assertThrows(
                IOException.class,
                () -> MonitorClient.connect(dir.resolve("none.sock"), MonitorClient.Options.DEFAULT));
        assertFalse(x instanceof MonitorProtocolException);
    }

    @Test
    void listenersSeeTheSameEventsAsTheRing() throws Exception {
        serve(MonitorServer.Options.DEFAULT);
        List<Event> direct = new CopyOnWriteArrayList<>();
        pump.subscribe("direct", 100, direct::add);
        MonitorClient c = connect(MonitorClient.Options.DEFAULT);
        await("2 listeners").until(() -> pump.listeners().size(), n -> n == 2);
        pushDrops(4);
        List<MonitorClient.Received> got = read(c, 4);
        await("4 direct").until(direct::size, n -> n == 4);
        for (int i = 0; i < 4; i++) {
            assertEquals(direct.get(i), got.get(i).event());
            assertInstanceOf(Event.Sample.class, got.get(i).event());
        }
    }
}
