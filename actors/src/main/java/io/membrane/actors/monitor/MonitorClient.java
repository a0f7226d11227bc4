package io.membrane.actors.monitor;

import static io.membrane.actors.monitor.MonitorProtocol.BYE;
import static io.membrane.actors.monitor.MonitorProtocol.DROPPED;
import static io.membrane.actors.monitor.MonitorProtocol.ERROR;
import static io.membrane.actors.monitor.MonitorProtocol.EVENT;
import static io.membrane.actors.monitor.MonitorProtocol.HEARTBEAT;
import static io.membrane.actors.monitor.MonitorProtocol.WELCOME;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.membrane.actors.monitor.FrameChannel.Frame;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * Connects to a {@link MonitorServer}, does the handshake, and yields events until the server ends the stream.
 * Heartbeats are consumed here; a server silent for three heartbeat intervals is taken as gone. One thread
 * reads a client.
 *
 * <pre>
 * try (MonitorClient c = MonitorClient.connect(socket, MonitorClient.Options.DEFAULT.withTypes(List.of("drop")))) {
 *     MonitorClient.End end = c.forEach(r -> System.out.println(EventFormat.line(r.event())));
 *     System.err.println("monitor: " + end.reason());
 * }
 * </pre>
 */
public final class MonitorClient implements AutoCloseable {
    /**
     * @param versions the protocol versions to offer, preferred first
     * @param types    event types wanted ({@link EventFormat#TYPES}); empty = all
     * @param queue    the listener queue to ask for; empty = the server's
     * @param client   a name for the server's logs
     * @param timeout  for the connect and handshake
     */
    public record Options(
            List<Integer> versions, List<String> types, OptionalInt queue, String client, Duration timeout) {
        public static final Options DEFAULT =
                new Options(MonitorProtocol.SUPPORTED, List.of(), OptionalInt.empty(), "cli", Duration.ofSeconds(5));

        public Options {
            versions = List.copyOf(versions);
            types = List.copyOf(types);
            Objects.requireNonNull(queue, "queue");
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(timeout, "timeout");
        }

        public Options withVersions(List<Integer> v) {
            return new Options(v, types, queue, client, timeout);
        }

        public Options withTypes(List<String> t) {
            return new Options(versions, t, queue, client, timeout);
        }

        public Options withQueue(int q) {
            return new Options(versions, types, OptionalInt.of(q), client, timeout);
        }

        public Options withClient(String c) {
            return new Options(versions, types, queue, c, timeout);
        }
    }

    /** One event and the exact JSON the server sent (what {@code --json} prints). */
    public record Received(Event event, String json) {}

    /** How the stream ended. */
    public record End(Kind kind, String reason) {
        public enum Kind {
            /** The server dropped this client: it read too slowly (DROPPED frame). */
            DROPPED,
            /** The server or its pump stopped (BYE frame). */
            BYE,
            /** The connection ended without a goodbye frame (the server vanished, or the client closed it). */
            CLOSED
        }
    }

    private final FrameChannel io;
    private final int version;
    private final JsonNode welcome;
    private final long silenceNanos;
    private volatile End end;
    private volatile long heartbeats;
    private volatile Instant lastHeartbeat;
    private volatile long serverSeq;

    private MonitorClient(FrameChannel io, int version, JsonNode welcome) {
        this.io = io;
        this.version = version;
        this.welcome = welcome;
        long hb = welcome.path("heartbeat_ms").asLong(5000);
        this.silenceNanos = Duration.ofMillis(Math.max(1, hb)).multipliedBy(3).toNanos();
    }

    /**
     * Connects and handshakes.
     *
     * @throws MonitorProtocolException when the server refuses (it names the versions it speaks) or breaks the
     *                                  protocol
     * @throws IOException              when nothing listens there, or it does not answer in time
     */
    public static MonitorClient connect(Path socket, Options options) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        FrameChannel io = null;
        boolean connected = false;
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            io = new FrameChannel(ch);
            long deadline = System.nanoTime() + options.timeout().toNanos();
            ObjectNode opts = EventFormat.MAPPER.createObjectNode();
            if (!options.types().isEmpty()) {
                ArrayNode t = opts.putArray("types");
                options.types().forEach(t::add);
            }
            options.queue().ifPresent(q -> opts.put("queue", q));
            opts.put("client", options.client());
            byte[] hello = new MonitorProtocol.Hello(options.versions(), opts.toString()).encode();
            FrameBuffer out = new FrameBuffer(64 + hello.length);
            out.write(ByteBuffer.allocate(4).putInt(MonitorProtocol.MAGIC).array(), 0, 4);
            out.frame(MonitorProtocol.HELLO, hello);
            io.write(out.view(), deadline, 0);

            int magic;
            try {
                magic = io.readMagic(deadline);
            } catch (EOFException e) {
                throw new MonitorProtocolException(
                        0, List.of(), "the server closed the connection during the " + "handshake");
            }
            if (magic != MonitorProtocol.MAGIC) {
                throw new MonitorProtocolException(
                        0, List.of(), "not a Membrane monitor socket (magic " + Integer.toHexString(magic) + ")");
            }
            Frame f = io.readFrame(deadline, MonitorProtocol.MAX_FRAME);
            if (f.kind() == ERROR) {
                MonitorProtocol.Error e = MonitorProtocol.Error.decode(f.payload());
                throw new MonitorProtocolException(e.code(), e.supported(), e.message());
            }
            if (f.kind() != WELCOME || f.payload().remaining() < 2) {
                throw new MonitorProtocolException(
                        0, List.of(), "expected WELCOME, got " + MonitorProtocol.kindName(f.kind()));
            }
            int version = f.payload().getShort() & 0xffff;
            if (!options.versions().contains(version)) {
                throw new MonitorProtocolException(
                        0, List.of(version), "the server chose version " + version + ", which was not offered");
            }
            String info = MonitorProtocol.utf8(f.payload());
            JsonNode welcome =
                    info.isEmpty() ? EventFormat.MAPPER.createObjectNode() : EventFormat.MAPPER.readTree(info);
            MonitorClient c = new MonitorClient(io, version, welcome);
            connected = true;
            return c;
        } finally {
            if (!connected) {
                if (io != null) {
                    io.close();
                } else {
                    ch.close();
                }
            }
        }
    }

    public int version() {
        return version;
    }

    /** The server's WELCOME details: heartbeat_ms, queue, types, server. */
    public JsonNode welcome() {
        return welcome;
    }

    /**
     * The next event; empty once the stream ended ({@link #end()} says how). Blocks until one arrives.
     *
     * @throws IOException when the server broke the protocol or went silent
     */
    public Optional<Received> next() throws IOException {
        while (end == null) {
            Frame f;
            try {
                f = io.readFrame(System.nanoTime() + silenceNanos, MonitorProtocol.MAX_FRAME);
            } catch (EOFException e) {
                end = new End(End.Kind.CLOSED, "the server closed the connection");
                io.close();
                break;
            } catch (java.nio.channels.ClosedChannelException e) {
                end = new End(End.Kind.CLOSED, "the connection was closed");
                break;
            }
            switch (f.kind()) {
                case EVENT -> {
                    String json = MonitorProtocol.utf8(f.payload());
                    try {
                        return Optional.of(new Received(EventFormat.parse(json), json));
                    } catch (IllegalArgumentException e) {
                        throw new MonitorProtocolException(0, List.of(), "undecodable event: " + e.getMessage());
                    }
                }
                case HEARTBEAT -> {
                    heartbeats++;
                    ByteBuffer p = f.payload();
                    if (p.remaining() >= 16) {
                        lastHeartbeat = Instant.ofEpochMilli(p.getLong());
                        serverSeq = p.getLong();
                    }
                }
                case DROPPED -> ending(End.Kind.DROPPED, f);
                case BYE -> ending(End.Kind.BYE, f);
                default ->
                    throw new MonitorProtocolException(
                            0,
                            List.of(),
                            "unexpected frame " + MonitorProtocol.kindName(f.kind()) + " in a v" + version + " stream");
            }
        }
        return Optional.empty();
    }

    private void ending(End.Kind kind, Frame f) throws IOException {
        String body = MonitorProtocol.utf8(f.payload());
        String reason = body;
        try {
            JsonNode j = EventFormat.MAPPER.readTree(body);
            if (j != null && j.hasNonNull("reason")) {
                reason = j.get("reason").asText();
            }
        } catch (IOException e) {
            // keep the raw text as the reason
        }
        end = new End(kind, reason);
        io.close();
    }

    /** Hands every event to {@code consumer} until the stream ends; returns how it ended. */
    public End forEach(Consumer<? super Received> consumer) throws IOException {
        Optional<Received> r;
        while ((r = next()).isPresent()) {
            consumer.accept(r.get());
        }
        return end;
    }

    /** How the stream ended; empty while it runs. */
    public Optional<End> end() {
        return Optional.ofNullable(end);
    }

    public long heartbeats() {
        return heartbeats;
    }

    /** The server time and newest pump seq of the last heartbeat. */
    public Optional<Instant> lastHeartbeat() {
        return Optional.ofNullable(lastHeartbeat);
    }

    public long serverSeq() {
        return serverSeq;
    }

    /** Closes the connection; the server ends this client's listener. */
    @Override
    public void close() {
        if (end == null) {
            end = new End(End.Kind.CLOSED, "closed by the client");
        }
        io.close();
    }
}
