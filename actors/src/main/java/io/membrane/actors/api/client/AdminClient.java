package io.membrane.actors.api.client;

import io.membrane.actors.api.model.AgentStatus;
import io.membrane.actors.api.model.ApiError;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.ClusterStatus;
import io.membrane.actors.api.model.EndpointChange;
import io.membrane.actors.api.model.EndpointModel;
import io.membrane.actors.api.model.Health;
import io.membrane.actors.api.model.IdentityInfo;
import io.membrane.actors.api.model.IpBatch;
import io.membrane.actors.api.model.IpBatchApplied;
import io.membrane.actors.api.model.IpChange;
import io.membrane.actors.api.model.IpDeleted;
import io.membrane.actors.api.model.IpEntry;
import io.membrane.actors.api.model.MapDump;
import io.membrane.actors.api.model.MapList;
import io.membrane.actors.api.model.PrefilterChange;
import io.membrane.actors.api.model.PrefilterChanged;
import io.membrane.actors.api.model.PrefilterState;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one client of the admin API: each method is one route and returns its reply record. A refusal (4xx, 5xx)
 * is an {@link AdminApiException} carrying the status and the API's {@link ApiError}; no answer at all is an
 * {@link AdminUnreachableException}. How the bytes travel is the {@link AdminTransport}'s business — the agent's
 * unix socket ({@link UnixSocketTransport}) or TCP ({@link Http1Transport}), chosen by {@link #connect} from a
 * target string, the one place that does so. Thread-safe if the transport is.
 */
public final class AdminClient {
    /** The CLI's patience: a cluster-scoped change of a long list may take most of a minute. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(120);

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /**
     * The agent of the default configuration: {@code AgentConfig.apiSocket()} of its run dir (a test holds the
     * two equal; the client does not parse the agent's configuration, so that a CLI command starts fast).
     */
    public static final String DEFAULT_TARGET = "unix:/var/run/membrane/membrane.sock";
    /** Where {@link #connect(String)} finds the bearer token for an {@code http://} target. */
    public static final String TOKEN_ENV = "MEMBRANE_API_TOKEN";

    private static final Map<String, String> JSON_BODY = Map.of("Content-Type", "application/json");
    private static final Map<String, String> ACCEPT_JSON = Map.of("Accept", "application/json");

    private final AdminTransport transport;

    public AdminClient(AdminTransport transport) {
        this.transport = transport;
    }

    /**
     * Turns a target into a client with the default timeouts: {@code unix:PATH} or an absolute path is the agent's
     * unix socket; {@code http://HOST:PORT} is TCP (the opt-in token listener), with the token of the environment
     * variable {@value #TOKEN_ENV} when it is set.
     *
     * @throws IllegalArgumentException for any other target, naming it
     */
    public static AdminClient connect(String target) {
        return connect(target, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
    }

    /** {@link #connect(String)} with these timeouts. */
    public static AdminClient connect(String target, Duration connectTimeout, Duration requestTimeout) {
        return connect(
                target,
                connectTimeout,
                requestTimeout,
                Optional.ofNullable(System.getenv(TOKEN_ENV)).filter(t -> !t.isBlank()));
    }

    /**
     * {@link #connect(String)} with these timeouts and bearer token (sent over TCP only; the socket needs none).
     */
    public static AdminClient connect(
            String target, Duration connectTimeout, Duration requestTimeout, Optional<String> token) {
        if (target.startsWith("unix:") || target.startsWith("/")) {
            Path socket = Path.of(target.startsWith("unix:") ? target.substring("unix:".length()) : target);
            if (!socket.isAbsolute()) {
                throw new IllegalArgumentException("API target '" + target + "': the socket path must be absolute");
            }
            return new AdminClient(new UnixSocketTransport(socket, connectTimeout, requestTimeout));
        }
        if (target.startsWith("http://")) {
            return new AdminClient(Http1Transport.to(target, connectTimeout, requestTimeout, token));
        }
        throw new IllegalArgumentException(
                "API target '" + target + "' is neither unix:PATH, an absolute socket" + " path, nor http://HOST:PORT");
    }

    public AdminTransport transport() {
        return transport;
    }

    /**
     * This client with its connections reused between requests, when it speaks over the socket (see {@link
     * UnixSocketTransport#keepingAlive}); for the lab and the benches, which send thousands.
     */
    public AdminClient reusingConnections() {
        return transport instanceof UnixSocketTransport u ? new AdminClient(u.keepingAlive()) : this;
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

    /** GET /v1/ip: this node's ipcache, by CIDR. */
    public List<IpEntry> ips() {
        return List.of(get("/v1/ip", IpEntry[].class));
    }

    /** GET /v1/ip?cidr=: the entries within {@code cidr}. */
    public List<IpEntry> ips(String cidr) {
        return List.of(get("/v1/ip?cidr=" + URLEncoder.encode(cidr, StandardCharsets.UTF_8), IpEntry[].class));
    }

    /** PUT /v1/ip/{cidr}: the cluster-wide external entry of {@code cidr} with the identity of {@code labels}. */
    public IpEntry putIp(String cidr, List<String> labels) {
        return call("PUT", "/v1/ip/" + cidr, new IpChange(labels), IpEntry.class);
    }

    /** PATCH /v1/ip: many external entries at once, all or nothing. */
    public IpBatchApplied putIps(IpBatch batch) {
        return call("PATCH", "/v1/ip", batch, IpBatchApplied.class);
    }

    /** DELETE /v1/ip/{cidr}: idempotent. */
    public IpDeleted deleteIp(String cidr) {
        return call("DELETE", "/v1/ip/" + cidr, null, IpDeleted.class);
    }

    /** GET /v1/identity: every identity the node knows, by number. */
    public List<IdentityInfo> identities() {
        return List.of(get("/v1/identity", IdentityInfo[].class));
    }

    /** GET /v1/identity?labels=: the identity of that label set (404 if none), e.g. {@code app=web,env=prod}. */
    public IdentityInfo identityOf(String labels) {
        return get("/v1/identity?labels=" + URLEncoder.encode(labels, StandardCharsets.UTF_8), IdentityInfo[].class)[0];
    }

    /** GET /v1/identity/{id}. */
    public IdentityInfo identity(String id) {
        return get("/v1/identity/" + URLEncoder.encode(id, StandardCharsets.UTF_8), IdentityInfo.class);
    }

    /** GET /v1/endpoint (with {@code labels} not empty: ?labels=k=v,...). */
    public List<EndpointModel> endpoints(String labels) {
        String query = labels.isEmpty() ? "" : "?labels=" + URLEncoder.encode(labels, StandardCharsets.UTF_8);
        return List.of(get("/v1/endpoint" + query, EndpointModel[].class));
    }

    /** GET /v1/endpoint/{id}. */
    public EndpointModel endpoint(int id) {
        return get("/v1/endpoint/" + id, EndpointModel.class);
    }

    /** GET /v1/endpoint/{id}/log, oldest first. */
    public List<EndpointModel.LogEntry> endpointLog(int id) {
        return List.of(get("/v1/endpoint/" + id + "/log", EndpointModel.LogEntry[].class));
    }

    /** PUT /v1/endpoint/{id}. */
    public EndpointModel putEndpoint(int id, EndpointChange change) {
        return call("PUT", "/v1/endpoint/" + id, change, EndpointModel.class);
    }

    /** PATCH /v1/endpoint/{id}/labels: answered once the endpoint is ready with the new labels' identity. */
    public EndpointModel setEndpointLabels(int id, List<String> labels) {
        return call("PATCH", "/v1/endpoint/" + id + "/labels", new IpChange(labels), EndpointModel.class);
    }

    /** DELETE /v1/endpoint/{id}. */
    public EndpointModel deleteEndpoint(int id) {
        return call("DELETE", "/v1/endpoint/" + id, null, EndpointModel.class);
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
        return new AdminApiException(
                r.status(),
                new ApiError(method + " " + path + ": HTTP " + r.status() + " with a body that is not JSON", "", ""));
    }
}
