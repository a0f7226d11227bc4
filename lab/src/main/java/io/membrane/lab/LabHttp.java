package io.membrane.lab;

import io.membrane.datapath.net.Netns;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 client whose socket lives in a given network namespace: each request runs on a thread that
 * has entered the namespace (setns(2) through {@link Netns#call}), opens its own connection and closes it
 * ({@code Connection: close}), so no connection of one node's loopback is ever reused for another's. Enough for
 * the admin API's JSON requests; not a general client.
 */
final class LabHttp {
    private LabHttp() {
    }

    static Lab.Response request(String netns, String host, int port, String method, String path, String body,
                                Duration timeout) {
        return Netns.call(netns, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), (int) Math.min(timeout.toMillis(), 3_000));
                s.setSoTimeout((int) timeout.toMillis());
                byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
                StringBuilder head = new StringBuilder()
                        .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                        .append("Host: ").append(host).append(':').append(port).append("\r\n")
                        .append("Accept: application/json\r\nConnection: close\r\n");
                if (body != null) {
                    head.append("Content-Type: application/json\r\n");
                }
                head.append("Content-Length: ").append(payload.length).append("\r\n\r\n");
                OutputStream out = s.getOutputStream();
                out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
                out.write(payload);
                out.flush();
                return parse(s.getInputStream().readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(method + " " + path + " in " + netns + ": " + e.getMessage(), e);
            }
        });
    }

    static Lab.Response parse(byte[] raw) throws IOException {
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
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
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
        return new Lab.Response(code, new String(body, StandardCharsets.UTF_8));
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
