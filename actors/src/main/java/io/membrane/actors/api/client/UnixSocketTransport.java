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
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link AdminTransport} over the agent's unix-domain socket: HTTP/1.1, one connection per request
 * ({@code Connection: close}), the response read to the end of the stream and parsed — status, headers, and a
 * body by Content-Length or chunked (Pekko answers streamed entities chunked). Enough for the admin API's
 * requests, not a general client. A missing socket reads as "connection refused" (the agent is not running); a
 * socket the caller may not open is an {@link AccessDeniedException} naming it.
 */
public final class UnixSocketTransport implements AdminTransport {
    private static final byte[] CRLF = "\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEAD_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final Path socket;
    private final Duration connectTimeout;
    private final Duration requestTimeout;

    /**
     * @param connectTimeout how long to wait while the agent's listen backlog is full
     * @param requestTimeout how long to wait for each whole response
     */
    public UnixSocketTransport(Path socket, Duration connectTimeout, Duration requestTimeout) {
        this.socket = socket;
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
    }

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
            ByteBuffer out = ByteBuffer.wrap(head(request));
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
                    return parse(in.toByteArray());
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
                throw new AccessDeniedException(socket.toString(), null,
                        "only root and the members of the socket's group may connect");
            }
            throw e;
        }
    }

    private static void await(SocketChannel channel, Selector selector, int op, long deadline) throws IOException {
        channel.register(selector, op);
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0 || selector.select(left) == 0) {
            throw new SocketTimeoutException("no " + (op == SelectionKey.OP_CONNECT ? "connection" : "reply")
                    + " within the timeout");
        }
        selector.selectedKeys().clear();
    }

    private static byte[] head(Request request) {
        StringBuilder head = new StringBuilder()
                .append(request.method()).append(' ').append(request.pathAndQuery()).append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\n")
                .append("Connection: close\r\n");
        request.headers().forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(request.body().length).append("\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** One whole HTTP/1.1 response as read up to the end of the stream. */
    static Response parse(byte[] raw) throws IOException {
        int end = indexOf(raw, HEAD_END, 0);
        if (end < 0) {
            throw new IOException("no complete HTTP response (" + raw.length + " bytes)");
        }
        String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + lines[0]);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        int start = end + HEAD_END.length;
        byte[] body;
        if (headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
            body = dechunk(raw, start);
        } else if (headers.containsKey("content-length")) {
            int length = number(headers.get("content-length"), 10);
            if (start + length > raw.length) {
                throw new IOException("body of " + (raw.length - start) + " bytes, Content-Length " + length);
            }
            body = Arrays.copyOfRange(raw, start, start + length);
        } else {
            body = Arrays.copyOfRange(raw, start, raw.length);
        }
        return new Response(number(status[1], 10), headers, body);
    }

    private static byte[] dechunk(byte[] raw, int pos) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            int eol = indexOf(raw, CRLF, pos);
            if (eol < 0) {
                throw new IOException("truncated chunked body");
            }
            String size = new String(raw, pos, eol - pos, StandardCharsets.US_ASCII);
            int semi = size.indexOf(';');
            int n = number(semi >= 0 ? size.substring(0, semi) : size, 16);
            if (n == 0) {
                return out.toByteArray();
            }
            if (eol + CRLF.length + n > raw.length) {
                throw new IOException("truncated chunk");
            }
            out.write(raw, eol + CRLF.length, n);
            pos = eol + CRLF.length + n + CRLF.length;
        }
    }

    private static int number(String text, int radix) throws IOException {
        try {
            int n = Integer.parseInt(text.trim(), radix);
            if (n < 0) {
                throw new NumberFormatException("negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IOException("not a length in an HTTP response: '" + text + "'", e);
        }
    }

    private static int indexOf(byte[] data, byte[] what, int from) {
        outer:
        for (int i = from; i <= data.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (data[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
