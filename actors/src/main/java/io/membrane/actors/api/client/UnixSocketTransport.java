package io.membrane.actors.api.client;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@link AdminTransport} over the agent's unix-domain socket: HTTP/1.1 as {@link Http1Transport} speaks it, one
 * connection per request ({@code Connection: close}) unless made {@link #keepingAlive}. Then a connection whose
 * response is complete (by its Content-Length or last chunk) goes back to an idle pool and the next request reuses
 * it: setting up a connection costs the agent a few milliseconds (a new HTTP stream), which a bench or the lab
 * sending thousands of requests would otherwise measure. Requests from several threads at once each take a
 * connection of their own. Not the default: an agent whose server stopped but whose process lives on (the in-JVM
 * test agents) keeps its open connections and never answers on them. Enough for the admin API's requests, not a general client. A
 * missing socket reads as "connection refused" (the agent is not running); a socket the caller may not open is an
 * {@link AccessDeniedException} naming it.
 *
 * <p>An idle connection the agent closed meanwhile is noticed when it answers nothing (end of stream before the first
 * byte): the agent closes only connections without a request in flight, so the request is sent once more on a new one.
 */
public final class UnixSocketTransport implements AdminTransport {
    /** Idle connections kept for reuse; more are closed. */
    static final int MAX_IDLE = 16;

    private final Path socket;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final boolean keepAlive;
    private final Queue<SocketChannel> idle = new ConcurrentLinkedQueue<>();

    /**
     * @param socket         the agent's API socket
     * @param connectTimeout how long to wait while the agent's listen backlog is full
     * @param requestTimeout how long to wait for each whole response
     */
    public UnixSocketTransport(Path socket, Duration connectTimeout, Duration requestTimeout) {
        this(socket, connectTimeout, requestTimeout, false);
    }

    private UnixSocketTransport(Path socket, Duration connectTimeout, Duration requestTimeout, boolean keepAlive) {
        this.socket = socket;
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
        this.keepAlive = keepAlive;
    }

    /** A transport to the same socket that reuses its connections. */
    public UnixSocketTransport keepingAlive() {
        return new UnixSocketTransport(socket, connectTimeout, requestTimeout, true);
    }

    public Path socket() {
        return socket;
    }

    @Override
    public String describe() {
        return "unix:" + socket;
    }

    @Override
    public Response send(Request request) throws IOException {
        SocketChannel reused = idle.poll();
        if (reused != null) {
            Exchange e;
            try {
                e = exchange(reused, request, true);
            } catch (IOException | RuntimeException failed) {
                reused.close();
                throw failed;
            }
            if (e != null) {
                return finish(reused, e);
            }
            reused.close(); // the agent had closed it: a new one below
        }
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.configureBlocking(false);
            connect(channel);
            Exchange e = exchange(channel, request, false);
            if (e == null) {
                throw new IOException("the agent closed the connection without a response");
            }
            return finish(channel, e);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** A response read whole, and whether its connection may carry another request. */
    private record Exchange(Response response, boolean reusable) {}

    private Response finish(SocketChannel channel, Exchange e) throws IOException {
        if (e.reusable() && idle.size() < MAX_IDLE) {
            idle.add(channel);
        } else {
            channel.close();
        }
        return e.response();
    }

    /**
     * Sends {@code request} on {@code channel} and reads its response; null when the channel reached its end before
     * a byte of the response, or ({@code reused}) could not be written to or was reset before the first byte: an idle
     * connection the agent had closed, which never saw the request. A timeout is never taken for that: the request may be under way.
     */
    private Exchange exchange(SocketChannel channel, Request request, boolean reused) throws IOException {
        try (Selector selector = Selector.open()) {
            long deadline = System.nanoTime() + requestTimeout.toNanos();
            ByteBuffer out = ByteBuffer.wrap(Http1Transport.head(request, "localhost", keepAlive));
            ByteBuffer body = ByteBuffer.wrap(request.body());
            while (out.hasRemaining() || body.hasRemaining()) {
                await(channel, selector, SelectionKey.OP_WRITE, deadline);
                try {
                    channel.write(out.hasRemaining() ? out : body);
                } catch (IOException closedByPeer) {
                    if (reused) {
                        return null;
                    }
                    throw closedByPeer;
                }
            }
            // Read straight into one growing array: a large response (GET /v1/ip of a big cluster) is not copied
            // whole at every read.
            byte[] in = new byte[64 * 1024];
            int length = 0;
            while (true) {
                int whole = Http1Transport.completeLength(in, length);
                if (whole >= 0) {
                    Response response = Http1Transport.parse(Arrays.copyOf(in, length));
                    boolean reusable = keepAlive
                            && whole == length
                            && !response.headers()
                                    .getOrDefault("connection", "")
                                    .toLowerCase(Locale.ROOT)
                                    .contains("close");
                    return new Exchange(response, reusable);
                }
                await(channel, selector, SelectionKey.OP_READ, deadline);
                if (length == in.length) {
                    in = Arrays.copyOf(in, in.length * 2);
                }
                int n;
                try {
                    n = channel.read(ByteBuffer.wrap(in, length, in.length - length));
                } catch (IOException reset) {
                    if (reused && length == 0) {
                        return null; // reset by an agent that had closed it before reading the request
                    }
                    throw reset;
                }
                if (n < 0) {
                    if (length == 0) {
                        return null;
                    }
                    return new Exchange(Http1Transport.parse(Arrays.copyOf(in, length)), false);
                }
                length += n;
            }
        }
    }

    private void connect(SocketChannel channel) throws IOException {
        try (Selector selector = Selector.open()) {
            if (!channel.connect(UnixDomainSocketAddress.of(socket))) {
                await(channel, selector, SelectionKey.OP_CONNECT, System.nanoTime() + connectTimeout.toNanos());
                channel.finishConnect();
            }
        } catch (ConnectException refused) {
            throw refused;
        } catch (SocketException e) {
            // The JDK reports ENOENT and EACCES as plain socket exceptions; say which it was.
            if (Files.notExists(socket)) {
                throw new ConnectException("no socket at " + socket);
            }
            if (!Files.isWritable(socket)) {
                throw new AccessDeniedException(
                        socket.toString(), null, "only root and the members of the socket's group may connect");
            }
            throw e;
        }
    }

    private static void await(SocketChannel channel, Selector selector, int op, long deadline) throws IOException {
        channel.register(selector, op);
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0 || selector.select(left) == 0) {
            throw new SocketTimeoutException(
                    "no " + (op == SelectionKey.OP_CONNECT ? "connection" : "reply") + " within the timeout");
        }
        selector.selectedKeys().clear();
    }
}
