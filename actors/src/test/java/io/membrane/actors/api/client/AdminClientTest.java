package io.membrane.actors.api.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.api.model.ApiError;
import io.membrane.actors.api.model.PrefilterChange;
import io.membrane.actors.api.model.PrefilterChanged;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client over a scripted transport: what goes on the wire, and how each kind of failure comes back. */
class AdminClientTest {
    /** Answers every request with {@code status} and {@code body}, and keeps the requests. */
    private static final class Scripted implements AdminTransport {
        final List<Request> sent = new ArrayList<>();
        final int status;
        final String body;

        Scripted(int status, String body) {
            this.status = status;
            this.body = body;
        }

        @Override
        public Response send(Request request) {
            sent.add(request);
            return new Response(
                    status, Map.of("content-type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String describe() {
            return "scripted";
        }
    }

    @Test
    void aChangeIsSentAsItsRecordAndTheReplyReadBack() {
        Scripted t = new Scripted(200, "{ \"revision\" : 7, \"changed\" : 2, \"later\" : true }");
        PrefilterChanged r = new AdminClient(t)
                .addToPrefilter(
                        PrefilterChange.of(List.of("10.0.0.0/8", "10.1.0.0/16")).withScope("cluster"));
        assertEquals(new PrefilterChanged(7, 2), r, "a field the client does not know is ignored");
        AdminTransport.Request sent = t.sent.get(0);
        assertEquals("PATCH", sent.method());
        assertEquals("/v1/prefilter", sent.pathAndQuery());
        assertEquals("application/json", sent.headers().get("Content-Type"));
        assertEquals(
                "{\"deny\":[\"10.0.0.0/8\",\"10.1.0.0/16\"],\"scope\":\"cluster\"}",
                new String(sent.body(), StandardCharsets.UTF_8),
                "no revision: not sent");
    }

    @Test
    void aMapNameIsOnePathSegment() {
        Scripted t = new Scripted(200, "{\"name\":\"a b/c\",\"type\":\"hash\",\"note\":\"x\"}");
        new AdminClient(t).map("a b/c");
        assertEquals("/v1/map/a%20b%2Fc", t.sent.get(0).pathAndQuery());
    }

    @Test
    void aRefusalCarriesItsStatusAndTheApisError() {
        AdminApiException e = assertThrows(AdminApiException.class, () -> new AdminClient(
                        new Scripted(
                                404,
                                "{\"error\":\"10.9.0.0/16: not in the node-scoped deny list\",\"field\":\"deny\",\"value\":\"10.9.0.0/16\"}"))
                .removeFromPrefilter(PrefilterChange.of(List.of("10.9.0.0/16"))));
        assertEquals(404, e.status());
        assertEquals(new ApiError("10.9.0.0/16: not in the node-scoped deny list", "deny", "10.9.0.0/16"), e.error());
        assertEquals("10.9.0.0/16: not in the node-scoped deny list (deny = 10.9.0.0/16)", e.getMessage());
    }

    @Test
    void aReplyThatIsNotJsonIsSaidToBeSo() {
        AdminApiException e = assertThrows(
                AdminApiException.class, () -> new AdminClient(new Scripted(502, "<html>bad gateway</html>")).status());
        assertEquals(502, e.status());
        assertEquals("GET /v1/status: HTTP 502 with a body that is not JSON", e.getMessage());
        AdminApiException ok =
                assertThrows(AdminApiException.class, () -> new AdminClient(new Scripted(200, "not json")).health());
        assertEquals(200, ok.status());
    }

    @Test
    void noAnswerIsUnreachableAndSaysWhetherItWasRefused() {
        AdminTransport refusing = new AdminTransport() {
            @Override
            public Response send(Request request) throws IOException {
                throw new ConnectException("Connection refused");
            }

            @Override
            public String describe() {
                return "http://127.0.0.1:1";
            }
        };
        AdminUnreachableException e =
                assertThrows(AdminUnreachableException.class, () -> new AdminClient(refusing).status());
        assertTrue(e.refused());
        assertEquals("http://127.0.0.1:1", e.target());
    }
}
