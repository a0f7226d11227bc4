package io.membrane.actors.api.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * How {@link AdminClient} reaches an agent: one HTTP exchange, bytes in and bytes out. A transport knows
 * nothing of the API's JSON; it only carries a request to wherever the agent listens — TCP through the JDK's
 * socket ({@link Http1Transport}), a unix-domain socket ({@link UnixSocketTransport}) — and
 * brings back the status, headers and body whatever the status is.
 */
public interface AdminTransport {
    /**
     * Sends one request; returns the agent's response, 4xx and 5xx included.
     *
     * @throws IOException when no response came back (connection refused, reset, timed out)
     */
    Response send(Request request) throws IOException;

    /** Where the agent is, for error messages ({@code http://127.0.0.1:9876}). */
    String describe();

    /**
     * One request.
     *
     * @param pathAndQuery starting with '/', already encoded ({@code /v1/map/membrane_lxc})
     * @param headers      header name → value; a transport adds what its protocol needs (Host, Content-Length)
     * @param body         empty for none
     */
    record Request(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
        public Request {
            headers = Map.copyOf(headers);
        }
    }

    /**
     * One response.
     *
     * @param headers header name in lower case → value (the first, where a header repeats)
     */
    record Response(int status, Map<String, String> headers, byte[] body) {
        public Response {
            headers = Map.copyOf(headers);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }
}
