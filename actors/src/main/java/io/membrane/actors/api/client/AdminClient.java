package io.membrane.actors.api.client;

import io.membrane.actors.api.model.AgentStatus;
import io.membrane.actors.api.model.ApiError;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.ClusterStatus;
import io.membrane.actors.api.model.Health;
import io.membrane.actors.api.model.MapDump;
import io.membrane.actors.api.model.MapList;
import io.membrane.actors.api.model.PrefilterChange;
import io.membrane.actors.api.model.PrefilterChanged;
import io.membrane.actors.api.model.PrefilterState;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The one client of the admin API: each method is one route and returns its reply record. A refusal (4xx, 5xx)
 * is an {@link AdminApiException} carrying the status and the API's {@link ApiError}; no answer at all is an
 * {@link AdminUnreachableException}. How the bytes travel is the {@link AdminTransport}'s business, so the same
 * client serves the CLI over TCP, the lab inside a node's namespace, and tests. Thread-safe if the transport is.
 */
public final class AdminClient {
    /** The CLI's patience: a cluster-scoped change of a long list may take most of a minute. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(120);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Map<String, String> JSON_BODY = Map.of("Content-Type", "application/json");
    private static final Map<String, String> ACCEPT_JSON = Map.of("Accept", "application/json");

    private final AdminTransport transport;

    public AdminClient(AdminTransport transport) {
        this.transport = transport;
    }

    /** Over TCP to {@code base} ({@code http://127.0.0.1:9876}) with the default timeouts. */
    public static AdminClient http(String base) {
        return http(base, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
    }

    public static AdminClient http(String base, Duration connectTimeout, Duration requestTimeout) {
        return new AdminClient(new JdkHttpTransport(base, connectTimeout, requestTimeout));
    }

    public AdminTransport transport() {
        return transport;
    }

    /** GET /v1/healthz. */
    public Health health() {
        return get("/v1/healthz", Health.class);
    }

    /** GET /v1/status. */
    public AgentStatus status() {
        return get("/v1/status", AgentStatus.class);
    }

    /** GET /v1/prefilter. */
    public PrefilterState prefilter() {
        return get("/v1/prefilter", PrefilterState.class);
    }

    /** PATCH /v1/prefilter: adds every CIDR of {@code change} or none. */
    public PrefilterChanged addToPrefilter(PrefilterChange change) {
        return call("PATCH", "/v1/prefilter", change, PrefilterChanged.class);
    }

    /** DELETE /v1/prefilter: removes every CIDR of {@code change} or none. */
    public PrefilterChanged removeFromPrefilter(PrefilterChange change) {
        return call("DELETE", "/v1/prefilter", change, PrefilterChanged.class);
    }

    /** GET /v1/map. */
    public MapList maps() {
        return get("/v1/map", MapList.class);
    }

    /** GET /v1/map/{name}. */
    public MapDump map(String name) {
        return get("/v1/map/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"), MapDump.class);
    }

    /** GET /v1/cluster (404 on an agent without a cluster). */
    public ClusterStatus cluster() {
        return get("/v1/cluster", ClusterStatus.class);
    }

    /** GET /metrics: the Prometheus text exposition. */
    public String metrics() {
        AdminTransport.Response r = exchange("GET", "/metrics", Map.of(), new byte[0]);
        if (r.status() >= 400) {
            throw refusal("GET", "/metrics", r);
        }
        return r.bodyText();
    }

    private <T> T get(String path, Class<T> type) {
        return call("GET", path, null, type);
    }

    private <T> T call(String method, String path, Object body, Class<T> type) {
        byte[] bytes = body == null ? new byte[0] : ApiJson.compact(body).getBytes(StandardCharsets.UTF_8);
        AdminTransport.Response r = exchange(method, path, body == null ? ACCEPT_JSON : JSON_BODY, bytes);
        if (r.status() >= 400) {
            throw refusal(method, path, r);
        }
        try {
            return ApiJson.MAPPER.readValue(r.body(), type);
        } catch (IOException e) {
            throw notJson(method, path, r);
        }
    }

    private AdminTransport.Response exchange(String method, String path, Map<String, String> headers, byte[] body) {
        try {
            return transport.send(new AdminTransport.Request(method, path, headers, body));
        } catch (IOException e) {
            throw new AdminUnreachableException(transport.describe(), e);
        }
    }

    private static AdminApiException refusal(String method, String path, AdminTransport.Response r) {
        ApiError error;
        try {
            error = ApiJson.MAPPER.readValue(r.body(), ApiError.class);
        } catch (IOException e) {
            return notJson(method, path, r);
        }
        if (error.error().isEmpty()) {
            error = new ApiError("HTTP " + r.status(), error.field(), error.value());
        }
        return new AdminApiException(r.status(), error);
    }

    private static AdminApiException notJson(String method, String path, AdminTransport.Response r) {
        return new AdminApiException(r.status(), new ApiError(method + " " + path + ": HTTP " + r.status()
                + " with a body that is not JSON", "", ""));
    }
}
