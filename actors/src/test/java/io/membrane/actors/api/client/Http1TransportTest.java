package io.membrane.actors.api.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CLI's and the lab's HTTP/1.1 client: responses parsed by length or chunks, a real exchange, a refusal. */
class Http1TransportTest {
    @Test
    void responsesWithLengthOrChunksAreParsed() throws Exception {
        AdminTransport.Response plain =
                Http1Transport.parse(("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                                + "Content-Length: 13\r\n\r\n{\"error\":\"x\"}")
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(404, plain.status());
        assertEquals("{\"error\":\"x\"}", plain.bodyText());
        assertEquals("application/json", plain.header("Content-Type"));
        AdminTransport.Response chunked = Http1Transport.parse(
                ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + "4\r\nabcd\r\n3;ext=1\r\nefg\r\n0\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(200, chunked.status());
        assertEquals("abcdefg", chunked.bodyText());
        assertThrows(
                IOException.class, () -> Http1Transport.parse("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void sendsMethodPathHeadersAndBodyAndReadsTheReply() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            byte[] reply = (ex.getRequestMethod() + " " + ex.getRequestURI() + " "
                            + ex.getRequestHeaders().getFirst("Content-Type") + " "
                            + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("X-Seen", "yes");
            ex.sendResponseHeaders(409, reply.length);
            ex.getResponseBody().write(reply);
            ex.close();
        });
        server.start();
        try {
            Http1Transport t =
                    Http1Transport.to("http://127.0.0.1:" + server.getAddress().getPort());
            AdminTransport.Response r = t.send(new AdminTransport.Request(
                    "PATCH",
                    "/v1/prefilter?x=1",
                    Map.of("Content-Type", "application/json"),
                    "{\"deny\":[]}".getBytes(StandardCharsets.UTF_8)));
            assertEquals(409, r.status());
            assertEquals("PATCH /v1/prefilter?x=1 application/json {\"deny\":[]}", r.bodyText());
            assertEquals("yes", r.header("x-seen"));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void nothingListeningIsAConnectExceptionAndABadTargetIsRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Http1Transport t = new Http1Transport("127.0.0.1", port, Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThrows(
                ConnectException.class,
                () -> t.send(new AdminTransport.Request("GET", "/v1/status", Map.of(), new byte[0])));
        for (String bad :
                new String[] {"127.0.0.1:9876", "https://127.0.0.1:9876", "http://127.0.0.1", "http://h:1/v1"}) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> Http1Transport.to(bad), bad);
            assertTrue(e.getMessage().contains("expected http://HOST:PORT"), e.getMessage());
        }
    }
}
