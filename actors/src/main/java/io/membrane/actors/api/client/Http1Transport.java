package io.membrane.actors.api.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@link AdminTransport} as a minimal HTTP/1.1 client over a plain socket: one connection per request, closed by
 * {@code Connection: close}. The JDK's {@code HttpClient} sets up TLS (its default SSL context reads the trust
 * store) even for {@code http://}, which a short-lived CLI pays at every start; this one loads almost nothing.
 * The socket is opened on the calling thread, so a caller that has entered a network namespace reaches the
 * agent inside it (the lab). Enough for the admin API's requests; not a general client.
 */
public final class Http1Transport implements AdminTransport {
    private static final byte[] CRLF = "\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEAD_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final String host;
    private final int port;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Optional<String> token;

    public Http1Transport(String host, int port, Duration connectTimeout, Duration requestTimeout) {
        this(host, port, connectTimeout, requestTimeout, Optional.empty());
    }

    /**
     * @param token the bearer token every request presents ({@code Authorization: Bearer TOKEN}), as the agent's
     *              opt-in token listener requires
     */
    public Http1Transport(
            String host, int port, Duration connectTimeout, Duration requestTimeout, Optional<String> token) {
        this.host = host;
        this.port = port;
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
        this.token = token;
    }

    /**
     * To {@code http://HOST:PORT} with the client's default timeouts.
     *
     * @throws IllegalArgumentException when {@code base} is not of that form
     */
    public static Http1Transport to(String base) {
        return to(base, AdminClient.DEFAULT_CONNECT_TIMEOUT, AdminClient.DEFAULT_REQUEST_TIMEOUT, Optional.empty());
    }

    /** To {@code http://HOST:PORT} with these timeouts and bearer token. */
    public static Http1Transport to(
            String base, Duration connectTimeout, Duration requestTimeout, Optional<String> token) {
        URI uri;
        try {
            uri = URI.create(base);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--api " + base + ": expected http://HOST:PORT", e);
        }
        String path = uri.getRawPath();
        if (!"http".equals(uri.getScheme())
                || uri.getHost() == null
                || uri.getPort() < 0
                || !(path == null || path.isEmpty() || path.equals("/"))) {
            throw new IllegalArgumentException("--api " + base + ": expected http://HOST:PORT");
        }
        return new Http1Transport(uri.getHost(), uri.getPort(), connectTimeout, requestTimeout, token);
    }

    @Override
    public String describe() {
        return "http://" + host + ":" + port;
    }

    @Override
    public Response send(Request request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
            s.setSoTimeout((int) requestTimeout.toMillis());
            Request withToken = token.map(t -> {
                        Map<String, String> headers = new LinkedHashMap<>(request.headers());
                        headers.put("Authorization", "Bearer " + t);
                        return new Request(request.method(), request.pathAndQuery(), headers, request.body());
                    })
                    .orElse(request);
            OutputStream out = s.getOutputStream();
            out.write(head(withToken, host + ":" + port));
            out.write(withToken.body());
            out.flush();
            return parse(s.getInputStream().readAllBytes());
        }
    }

    /** The request line and headers of {@code request}, {@code Connection: close} and its Content-Length. */
    static byte[] head(Request request, String hostHeader) {
        return head(request, hostHeader, false);
    }

    /** The same, with {@code Connection: keep-alive} when {@code keepAlive}. */
    static byte[] head(Request request, String hostHeader, boolean keepAlive) {
        StringBuilder head = new StringBuilder()
                .append(request.method())
                .append(' ')
                .append(request.pathAndQuery())
                .append(" HTTP/1.1\r\n")
                .append("Host: ")
                .append(hostHeader)
                .append("\r\n")
                .append(keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
        request.headers()
                .forEach((name, value) ->
                        head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(request.body().length).append("\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * The length of the first whole response in the first {@code length} bytes of {@code raw} (its head and a body
     * of its Content-Length, or chunks up to the last), or -1 while it is incomplete or its end is only the end of
     * the stream (no length given).
     */
    static int completeLength(byte[] raw, int length) throws IOException {
        int end = indexOf(raw, length, HEAD_END, 0);
        if (end < 0) {
            return -1;
        }
        int start = end + HEAD_END.length;
        String head = new String(raw, 0, end, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        if (head.contains("\r\ntransfer-encoding:") && head.contains("chunked")) {
            int pos = start;
            while (true) {
                int eol = indexOf(raw, length, CRLF, pos);
                if (eol < 0) {
                    return -1;
                }
                String size = new String(raw, pos, eol - pos, StandardCharsets.US_ASCII);
                int semi = size.indexOf(';');
                int n = number(semi >= 0 ? size.substring(0, semi) : size, 16);
                pos = eol + CRLF.length + n + CRLF.length;
                if (n == 0) {
                    return pos <= length ? pos : -1;
                }
                if (pos > length) {
                    return -1;
                }
            }
        }
        int at = head.indexOf("\r\ncontent-length:");
        if (at < 0) {
            return -1;
        }
        int eol = head.indexOf("\r\n", at + 2);
        int body = number(head.substring(at + 17, eol < 0 ? head.length() : eol), 10);
        return start + body <= length ? start + body : -1;
    }

    /** One whole HTTP/1.1 response as read up to the end of the stream. */
    public static Response parse(byte[] raw) throws IOException {
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
                headers.putIfAbsent(
                        lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        int start = end + HEAD_END.length;
        byte[] body;
        if (headers.getOrDefault("transfer-encoding", "")
                .toLowerCase(Locale.ROOT)
                .contains("chunked")) {
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
        return indexOf(data, data.length, what, from);
    }

    /** Where {@code what} first occurs in the first {@code length} bytes of {@code data} from {@code from}, or -1. */
    static int indexOf(byte[] data, int length, byte[] what, int from) {
        outer:
        for (int i = from; i <= length - what.length; i++) {
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
