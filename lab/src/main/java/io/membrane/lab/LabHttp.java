package io.membrane.lab;

import io.membrane.actors.api.client.AdminTransport;
import io.membrane.datapath.net.Netns;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The lab's {@link AdminTransport}: a minimal HTTP/1.1 client whose socket lives in a node's network namespace.
 * Each request runs on a thread that has entered the namespace (setns(2) through {@link Netns#call}), opens its
 * own connection and closes it ({@code Connection: close}), so no connection of one node's loopback is ever
 * reused for another's. Enough for the admin API's requests; not a general client.
 */
final class LabHttp implements AdminTransport {
    private final String netns;
    private final String host;
    private final int port;
    private final Duration timeout;

    LabHttp(String netns, String host, int port, Duration timeout) {
        this.netns = netns;
        this.host = host;
        this.port = port;
        this.timeout = timeout;
    }

    @Override
    public String describe() {
        return "http://" + host + ":" + port + " in " + netns;
    }

    @Override
    public Response send(Request request) throws IOException {
        try {
            return Netns.call(netns, () -> exchange(request));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private Response exchange(Request request) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), (int) Math.min(timeout.toMillis(), 3_000));
            s.setSoTimeout((int) timeout.toMillis());
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
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Response parse(byte[] raw) throws IOException {
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
            body = java.util.Arrays.copyOfRange(raw, start, start + n);
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
