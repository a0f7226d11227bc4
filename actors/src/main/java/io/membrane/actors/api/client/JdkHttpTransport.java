package io.membrane.actors.api.client;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@link AdminTransport} over TCP through the JDK's {@link HttpClient} (HTTP/1.1, one client per transport so its
 * connections are reused across requests). With a token, every request carries {@code Authorization: Bearer
 * TOKEN}, as the agent's opt-in token listener requires.
 */
public final class JdkHttpTransport implements AdminTransport {
    private final String base;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final Optional<String> token;

    /**
     * @param base           scheme, host and port ({@code http://127.0.0.1:9876}); a trailing '/' is ignored
     * @param connectTimeout how long to wait for the connection
     * @param requestTimeout how long to wait for each whole response
     * @param token          the bearer token to present, if any
     */
    public JdkHttpTransport(String base, Duration connectTimeout, Duration requestTimeout, Optional<String> token) {
        this.token = token;
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .build();
    }

    @Override
    public Response send(Request request) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + request.pathAndQuery()))
                .timeout(requestTimeout)
                .method(request.method(), request.body().length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach(b::header);
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            Map<String, String> headers = new LinkedHashMap<>();
            r.headers().map().forEach((name, values) -> {
                if (!values.isEmpty()) {
                    headers.put(name.toLowerCase(Locale.ROOT), values.get(0));
                }
            });
            return new Response(r.statusCode(), headers, r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    @Override
    public String describe() {
        return base;
    }
}
