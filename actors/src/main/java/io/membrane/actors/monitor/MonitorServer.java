package io.membrane.actors.monitor;

import static io.membrane.actors.monitor.MonitorProtocol.BYE;
import static io.membrane.actors.monitor.MonitorProtocol.DROPPED;
import static io.membrane.actors.monitor.MonitorProtocol.EVENT;
import static io.membrane.actors.monitor.MonitorProtocol.HEARTBEAT;
import static io.membrane.actors.monitor.MonitorProtocol.SUPPORTED;
import static io.membrane.actors.monitor.MonitorProtocol.WELCOME;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.membrane.actors.monitor.FrameChannel.Frame;
import io.membrane.actors.monitor.Subscription.Cause;
import io.membrane.actors.monitor.Subscription.Ended;
import io.membrane.actors.monitor.Subscription.Subscriber;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor socket: a Unix domain socket where {@code membrane monitor} (through {@link MonitorClient})
 * receives the pump's events, in the protocol {@link MonitorProtocol} defines. Each connection, once its
 * HELLO is accepted, is an {@link EventPump} listener with its own bounded queue: a client that reads too
 * slowly is dropped (told with a DROPPED frame if it still reads) and never slows the pump or other clients.
 *
 * <p>Threads: one acceptor; one short-lived thread per handshake; then the connection's listener delivery
 * thread writes its frames, coalescing whatever is queued into one write.
 */
public final class MonitorServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MonitorServer.class);
    private static final Set<PosixFilePermission> MODE = PosixFilePermissions.fromString("rw-rw----");
    private static final int FLUSH_AT = 64 * 1024;

    /**
     * @param queueCapacity    each connection's listener queue (a client may ask for less, never more)
     * @param heartbeat        a HEARTBEAT after this long without frames
     * @param handshakeTimeout magic and HELLO must arrive within this
     * @param writeTimeout     a client that takes no bytes for this long is dropped
     * @param closeGrace       time to finish a frame and say DROPPED or BYE before closing
     * @param maxConnections   more are refused with ERROR busy
     */
    public record Options(
            int queueCapacity,
            Duration heartbeat,
            Duration handshakeTimeout,
            Duration writeTimeout,
            Duration closeGrace,
            int maxConnections) {
        public static final Options DEFAULT = new Options(
                4096, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(1), 64);

        public Options {
            if (queueCapacity < 1) {
                throw new IllegalArgumentException("queue capacity must be >= 1, was " + queueCapacity);
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("max connections must be >= 1, was " + maxConnections);
            }
            for (Duration d : List.of(heartbeat, handshakeTimeout, writeTimeout, closeGrace)) {
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("durations must be > 0, was " + d);
                }
            }
        }

        public Options withQueueCapacity(int n) {
            return new Options(n, heartbeat, handshakeTimeout, writeTimeout, closeGrace, maxConnections);
        }

        public Options withHeartbeat(Duration d) {
            return new Options(queueCapacity, d, handshakeTimeout, writeTimeout, closeGrace, maxConnections);
        }

        public Options withHandshakeTimeout(Duration d) {
            return new Options(queueCapacity, heartbeat, d, writeTimeout, closeGrace, maxConnections);
        }

        public Options withWriteTimeout(Duration d) {
            return new Options(queueCapacity, heartbeat, handshakeTimeout, d, closeGrace, maxConnections);
        }

        public Options withCloseGrace(Duration d) {
            return new Options(queueCapacity, heartbeat, handshakeTimeout, writeTimeout, d, maxConnections);
        }

        public Options withMaxConnections(int n) {
            return new Options(queueCapacity, heartbeat, handshakeTimeout, writeTimeout, closeGrace, n);
        }
    }

    /** A connected client, for status output. */
    public record ClientStatus(
            long id, String client, int version, List<String> types, int queueCapacity, long delivered) {}

    private final Path path;
    private final EventPump pump;
    private final Options options;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean closing;

    private MonitorServer(Path path, EventPump pump, Options options) throws IOException {
        this.path = path;
        this.pump = pump;
        this.options = options;
        removeStale(path);
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, MODE);
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(path);
            throw e;
        }
        this.acceptor = new Thread(this::acceptLoop, "membrane-monitor-accept");
        this.acceptor.setDaemon(true);
    }

    /**
     * Binds {@code path} (a stale socket file there is removed; a live server there is an error), chmod 0660,
     * and starts accepting.
     */
    public static MonitorServer start(Path path, EventPump pump, Options options) throws IOException {
        Objects.requireNonNull(pump, "pump");
        MonitorServer s = new MonitorServer(path, pump, options);
        s.acceptor.start();
        log.info("monitor socket listening on {}", path);
        return s;
    }

    private static void removeStale(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("monitor socket path " + path + " is a directory");
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            throw new IOException("another monitor server is listening on " + path);
        } catch (java.net.SocketException stale) {
            Files.deleteIfExists(path);
            log.info("removed the stale monitor socket {}", path);
        }
    }

    public Path path() {
        return path;
    }

    public Options options() {
        return options;
    }

    /** Clients past their handshake. */
    public List<ClientStatus> clients() {
        List<ClientStatus> out = new ArrayList<>();
        for (Connection c : connections) {
            Subscription s = c.subscription;
            if (s != null) {
                out.add(new ClientStatus(c.id, c.client, c.version, c.types, s.queueCapacity(), s.delivered()));
            }
        }
        return out;
    }

    /** Connections refused at the handshake (bad magic, bad hello, unsupported version, busy). */
    public long refused() {
        return refused.get();
    }

    // ---- accepting and the handshake ----

    private void acceptLoop() {
        while (!closing) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closing) {
                    return;
                }
                log.warn("monitor socket: accept failed", e);
                continue;
            }
            Connection c = new Connection(ids.incrementAndGet(), ch);
            Thread t = new Thread(c::handshake, "membrane-monitor-handshake-" + c.id);
            t.setDaemon(true);
            t.start();
        }
    }

    /** One client: handshake, then the pump listener that writes its frames. */
    private final class Connection implements Subscription.Sink {
        final long id;
        final SocketChannel raw;
        FrameChannel io;
        volatile Subscription subscription;
        /** Set by the handshake before it subscribes; read by the delivery thread (the start is a barrier). */
        private Welcome welcome;

        volatile String client = "";
        volatile int version;
        volatile List<String> types = EventFormat.TYPES;
        private final FrameBuffer out = new FrameBuffer(8 * 1024);
        private JsonGenerator json;
        /** Set once the socket can no longer carry whole frames (a write failed part-way, or the peer left). */
        private boolean broken;

        private boolean peerGone;
        private volatile boolean serverClosing;

        Connection(long id, SocketChannel raw) {
            this.id = id;
            this.raw = raw;
        }

        void handshake() {
            long deadline = System.nanoTime() + options.handshakeTimeout().toNanos();
            try {
                io = new FrameChannel(raw);
                if (io.readMagic(deadline) != MonitorProtocol.MAGIC) {
                    refuse("bad magic");
                    return;
                }
                Frame f = io.readFrame(deadline, MonitorProtocol.MAX_HELLO);
                if (f.kind() != MonitorProtocol.HELLO) {
                    refuse("first frame is " + MonitorProtocol.kindName(f.kind()) + ", not HELLO");
                    return;
                }
                MonitorProtocol.Hello hello;
                try {
                    hello = MonitorProtocol.Hello.decode(f.payload());
                } catch (IllegalArgumentException e) {
                    error(MonitorProtocol.ERR_BAD_HELLO, e.getMessage());
                    return;
                }
                int chosen = hello.versions().stream()
                        .filter(SUPPORTED::contains)
                        .findFirst()
                        .orElse(0);
                if (chosen == 0) {
                    error(
                            MonitorProtocol.ERR_UNSUPPORTED_VERSION,
                            "none of the versions " + hello.versions() + " is supported; this server speaks "
                                    + SUPPORTED);
                    return;
                }
                int typeMask;
                int queue;
                try {
                    JsonNode opts = hello.options().isBlank()
                            ? EventFormat.MAPPER.createObjectNode()
                            : EventFormat.MAPPER.readTree(hello.options());
                    if (opts == null || !opts.isObject()) {
                        throw new IllegalArgumentException("options must be a JSON object");
                    }
                    typeMask = typeMask(opts.get("types"));
                    queue = queue(opts.get("queue"));
                    JsonNode name = opts.get("client");
                    if (name != null && name.isTextual()) {
                        client = name.asText().replaceAll("[^A-Za-z0-9._:-]", "_");
                    }
                } catch (IOException | IllegalArgumentException e) {
                    error(MonitorProtocol.ERR_BAD_HELLO, "bad options: " + e.getMessage());
                    return;
                }
                if (closing) {
                    error(MonitorProtocol.ERR_SHUTTING_DOWN, "the monitor server is shutting down");
                    return;
                }
                if (open.incrementAndGet() > options.maxConnections()) {
                    open.decrementAndGet();
                    error(MonitorProtocol.ERR_BUSY, options.maxConnections() + " clients are connected already");
                    return;
                }
                version = chosen;
                connections.add(this);
                final int mask = typeMask;
                String name = "monitor-" + id + (client.isEmpty() ? "" : "-" + client);
                // Subscribed before the WELCOME, which the delivery thread writes first (started): every event
                // offered once the client holds its WELCOME reaches it.
                welcome = new Welcome(chosen, queue, deadline);
                try {
                    subscription = pump.subscribe(new Subscriber(
                            name, queue, e -> (EventFormat.typeBit(e) & mask) != 0, options.heartbeat(), this));
                } catch (IllegalStateException e) {
                    // the pump has stopped: WELCOME, then BYE at once
                    welcome(welcome);
                    out.frame(BYE, byeJson("the event pump stopped"));
                    flushQuietly(System.nanoTime() + options.closeGrace().toNanos());
                    finish();
                    return;
                }
                if (closing) {
                    serverClosing = true;
                    subscription.close("the monitor server is closing");
                }
                log.info("monitor client {} connected (v{}, types {}, queue {})", name, chosen, types, queue);
            } catch (EOFException | SocketTimeoutException e) {
                refuse(e.getMessage());
            } catch (IOException | RuntimeException e) {
                refuse(e.toString());
            }
        }

        private int typeMask(JsonNode typesNode) {
            if (typesNode == null || typesNode.isNull()) {
                return (1 << EventFormat.TYPES.size()) - 1;
            }
            if (!typesNode.isArray() || typesNode.isEmpty()) {
                throw new IllegalArgumentException("\"types\" must be a non-empty array of " + EventFormat.TYPES);
            }
            int mask = 0;
            List<String> names = new ArrayList<>();
            for (JsonNode t : typesNode) {
                int i = t.isTextual() ? EventFormat.typeIndex(t.asText()) : -1;
                if (i < 0) {
                    throw new IllegalArgumentException("unknown event type " + t + "; known: " + EventFormat.TYPES);
                }
                if ((mask & (1 << i)) == 0) {
                    names.add(t.asText());
                }
                mask |= 1 << i;
            }
            types = List.copyOf(names);
            return mask;
        }

        private int queue(JsonNode q) {
            if (q == null || q.isNull()) {
                return options.queueCapacity();
            }
            if (!q.isIntegralNumber() || q.asLong() < 1) {
                throw new IllegalArgumentException("\"queue\" must be a positive integer, was " + q);
            }
            return (int) Math.min(q.asLong(), options.queueCapacity());
        }

        /** What the WELCOME says, fixed by the handshake and written by the delivery thread. */
        private record Welcome(int version, int queue, long deadline) {}

        private void welcome(Welcome w) throws IOException {
            int chosen = w.version();
            int queue = w.queue();
            long deadline = w.deadline();
            ObjectNode info = EventFormat.MAPPER.createObjectNode();
            info.put("heartbeat_ms", options.heartbeat().toMillis());
            info.put("queue", queue);
            ArrayNode t = info.putArray("types");
            types.forEach(t::add);
            info.put("server", "membrane");
            byte[] body = EventFormat.MAPPER.writeValueAsBytes(info);
            ByteBuffer p = ByteBuffer.allocate(2 + body.length)
                    .putShort((short) chosen)
                    .put(body);
            out.write(ByteBuffer.allocate(4).putInt(MonitorProtocol.MAGIC).array(), 0, 4);
            out.frame(WELCOME, p.array());
            io.write(out.view(), deadline, 0);
            out.clear();
        }

        /** Answers with an ERROR frame naming the supported versions, then closes. */
        private void error(int code, String message) {
            refused.incrementAndGet();
            log.info("monitor connection {} refused: {}", id, message);
            out.write(ByteBuffer.allocate(4).putInt(MonitorProtocol.MAGIC).array(), 0, 4);
            out.frame(MonitorProtocol.ERROR, new MonitorProtocol.Error(code, SUPPORTED, message).encode());
            flushQuietly(System.nanoTime() + options.closeGrace().toNanos());
            closeChannel();
        }

        /** Closes without an answer: the peer does not speak the protocol (or left during the handshake). */
        private void refuse(String why) {
            refused.incrementAndGet();
            log.debug("monitor connection {} closed during the handshake: {}", id, why);
            finish();
        }

        // ---- the listener side (delivery thread) ----

        @Override
        public void started(Subscription s) throws IOException {
            subscription = s;
            json = null;
            try {
                welcome(welcome);
            } catch (IOException e) {
                broken = true; // nothing more is written to a client that did not take its WELCOME
                throw e;
            }
        }

        @Override
        public void accept(Event e) throws IOException {
            if (broken) {
                return;
            }
            int start = out.begin(EVENT);
            if (json == null) {
                json = EventFormat.MAPPER.getFactory().createGenerator(out);
                json.setRootValueSeparator(null);
            }
            EventFormat.writeJson(e, json);
            json.flush();
            out.end(start);
            if (out.size() >= FLUSH_AT) {
                flush();
            }
        }

        @Override
        public void flush() throws IOException {
            if (broken || out.isEmpty()) {
                return;
            }
            try {
                io.write(
                        out.view(),
                        System.nanoTime() + options.writeTimeout().toNanos(),
                        options.closeGrace().toNanos());
                out.clear();
            } catch (SocketTimeoutException e) {
                broken = true;
                throw new SocketTimeoutException(
                        "the client took no bytes for " + options.writeTimeout() + " (it stopped reading)");
            } catch (IOException e) {
                broken = true;
                if (subscription.isEnded()) {
                    return; // already dropped or closed; the write was cut short on purpose
                }
                peerGone = true;
                subscription.close("the client closed the connection (" + e.getMessage() + ")");
            }
        }

        @Override
        public void idle() throws IOException {
            if (broken) {
                return;
            }
            int polled;
            try {
                polled = io.poll();
            } catch (IOException reset) {
                // A client that closes with our heartbeats still unread resets the connection: it left all the same.
                polled = -1;
            }
            if (polled < 0) {
                broken = true;
                peerGone = true;
                subscription.close("the client closed the connection");
                return;
            }
            int start = out.begin(HEARTBEAT);
            out.putLong(System.currentTimeMillis());
            out.putLong(pump.lastSeq());
            out.end(start);
            flush();
        }

        @Override
        public void ended(Ended why) {
            long deadline = System.nanoTime() + options.closeGrace().toNanos();
            if (!broken) {
                if (why.cause().dropped()) {
                    ObjectNode d = EventFormat.MAPPER.createObjectNode();
                    d.put("cause", why.cause() == Cause.TOO_SLOW ? "too-slow" : "sink-failed");
                    d.put("reason", why.reason());
                    out.frame(DROPPED, d.toString().getBytes(StandardCharsets.UTF_8));
                } else if (why.cause() != Cause.UNSUBSCRIBED || serverClosing) {
                    out.frame(BYE, byeJson(serverClosing ? "the monitor server is closing" : why.reason()));
                }
                flushQuietly(deadline);
            }
            finish();
            String level = why.cause().dropped() ? "dropped" : "disconnected";
            log.info("monitor client {} {}: {}", subscription.name(), level, why.reason());
        }

        private byte[] byeJson(String reason) {
            ObjectNode b = EventFormat.MAPPER.createObjectNode();
            b.put("reason", reason);
            return b.toString().getBytes(StandardCharsets.UTF_8);
        }

        private void flushQuietly(long deadline) {
            if (out.isEmpty() || io == null) {
                return;
            }
            try {
                io.write(out.view(), deadline, 0);
            } catch (IOException e) {
                log.debug("monitor connection {}: final frames not delivered: {}", id, e.toString());
            }
            out.clear();
        }

        private void finish() {
            if (connections.remove(this)) {
                open.decrementAndGet();
            }
            closeChannel();
        }

        void closeChannel() {
            if (io != null) {
                io.close();
            } else {
                try {
                    raw.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
    }

    /**
     * Stops accepting, says BYE to every client (within the close grace), closes them and removes the socket
     * file. The pump is not closed.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        try {
            server.close();
        } catch (IOException e) {
            log.warn("monitor socket: closing the listener failed", e);
        }
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Connection> live = new ArrayList<>(connections);
        for (Connection c : live) {
            c.serverClosing = true;
            Subscription s = c.subscription;
            if (s != null) {
                s.close("the monitor server is closing");
            }
        }
        long deadline = System.nanoTime() + 2 * options.closeGrace().toNanos();
        for (Connection c : live) {
            Subscription s = c.subscription;
            if (s == null) {
                c.finish();
                continue;
            }
            try {
                s.whenEnded().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                c.finish(); // a stuck write fails at once on the closed socket
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.finish();
            }
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("monitor socket: could not remove {}", path, e);
        }
        log.info("monitor socket {} closed", path);
    }
}
