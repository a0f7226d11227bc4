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

/**
 * {@link AdminTransport} as a minimal HTTP/1.1 client over a plain socket: one connection per request, closed by
 * {@code Connection: close}. The JDK's {@code HttpClient} sets up TLS (its default SSL context reads the trust
 * store) even for {@code http://}, which a short-lived CLI pays at every start; this one loads almost nothing.
 * The socket is opened on the calling thread, so a caller that has entered a network namespace reaches the
 * agent inside it (the lab). Enough for the admin API's requests; not a general client.
 */
public final class Http1Transport implements AdminTransport {
    private final String host;
    private final int port;
    private final Duration connectTimeout;
    private final Duration requestTimeout;

    public Http1Transport(String host, int port, Duration connectTimeout, Duration requestTimeout) {
        this.host = host;
        this.port = port;
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
    }

    /**
     * To {@code http://HOST:PORT} with the client's default timeouts.
     *
     * @throws IllegalArgumentException when {@code base} is not of that form
     */
    public static Http1Transport to(String base) {
        URI uri;
        try {
            uri = URI.create(base);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--api " + base + ": expected http://HOST:PORT", e);
        }
        String path = uri.getRawPath();
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0
                || !(path == null || path.isEmpty() || path.equals("/"))) {
            throw new IllegalArgumentException("--api " + base + ": expected http://HOST:PORT");
        }
        return new Http1Transport(uri.getHost(), uri.getPort(), AdminClient.DEFAULT_CONNECT_TIMEOUT,
                AdminClient.DEFAULT_REQUEST_TIMEOUT);
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
            StringBuilder head = new StringBuilder()
                    .append(request.method()).append(' ').append(request.pathAndQuery()).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(host).append(':').append(port).append("\r\n")
                    .append("Connection: close\r\n");
            request.headers().forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("Content-Length: ").append(request.body().length).append("\r\n\r\n");
            OutputStream out = s.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(request.body());
            out.flush();
            return parse(s.getInputStream().readAllBytes());
        }
    }

    /** A whole HTTP/1.1 response as read up to the server's close: status, headers, body (de-chunked). */
    public static Response parse(byte[] raw) throws IOException {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
        if (end < 0) {
            throw new IOException("no complete HTTP response (" + raw.length + " bytes)");
        }
        String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + lines[0]);
        }
        int code = Integer.parseInt(status[1]);
        boolean chunked = false;
        int length = -1;
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            headers.putIfAbsent(name, value);
            if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                chunked = true;
            } else if (name.equals("content-length")) {
                length = Integer.parseInt(value);
            }
        }
        int start = end + 4;
        byte[] body;
        if (chunked) {
            body = dechunk(raw, start);
        } else {
            int n = length >= 0 ? Math.min(length, raw.length - start) : raw.length - start;
            body = Arrays.copyOfRange(raw, start, start + n);
        }
        return new Response(code, headers, body);
    }

    private static byte[] dechunk(byte[] raw, int pos) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] crlf = "\r\n".getBytes(StandardCharsets.US_ASCII);
        while (true) {
            int eol = indexOf(raw, crlf, pos);
            if (eol < 0) {
                throw new IOException("truncated chunked body");
            }
            String size = new String(raw, pos, eol - pos, StandardCharsets.US_ASCII);
            int semi = size.indexOf(';');
            int n = Integer.parseInt((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
            if (n == 0) {
                return out.toByteArray();
            }
            if (eol + 2 + n > raw.length) {
                throw new IOException("truncated chunk");
            }
            out.write(raw, eol + 2, n);
            pos = eol + 2 + n + 2;
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
