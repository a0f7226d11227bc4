package io.membrane.actors.api.client;

import java.io.ByteArrayOutputStream;
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
import java.util.concurrent.TimeUnit;

/**
 * {@link AdminTransport} over the agent's unix-domain socket: HTTP/1.1 as {@link Http1Transport} speaks it, one
 * connection per request ({@code Connection: close}), the response read to the end of the stream. Enough for the admin API's
 * requests, not a general client. A missing socket reads as "connection refused" (the agent is not running); a
 * socket the caller may not open is an {@link AccessDeniedException} naming it.
 *
 * @param socket         the agent's API socket
 * @param connectTimeout how long to wait while the agent's listen backlog is full
 * @param requestTimeout how long to wait for each whole response
 */
public record UnixSocketTransport(Path socket, Duration connectTimeout, Duration requestTimeout)
        implements AdminTransport {
    @Override
    public String describe() {
        return "unix:" + socket;
    }

    @Override
    public Response send(Request request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            channel.configureBlocking(false);
            connect(channel, selector);
            long deadline = System.nanoTime() + requestTimeout.toNanos();
            ByteBuffer out = ByteBuffer.wrap(Http1Transport.head(request, "localhost"));
            ByteBuffer body = ByteBuffer.wrap(request.body());
            while (out.hasRemaining() || body.hasRemaining()) {
                await(channel, selector, SelectionKey.OP_WRITE, deadline);
                channel.write(out.hasRemaining() ? out : body);
            }
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            while (true) {
                await(channel, selector, SelectionKey.OP_READ, deadline);
                int n = channel.read(chunk.clear());
                if (n < 0) {
                    return Http1Transport.parse(in.toByteArray());
                }
                in.write(chunk.array(), 0, n);
            }
        }
    }

    private void connect(SocketChannel channel, Selector selector) throws IOException {
        try {
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
