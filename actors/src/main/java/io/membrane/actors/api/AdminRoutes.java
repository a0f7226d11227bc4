package io.membrane.actors.api;

import io.membrane.actors.AgentConfig;
import io.membrane.actors.MapRegistry;
import io.membrane.actors.api.model.AgentStatus;
import io.membrane.actors.api.model.ApiError;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.EndpointModel;
import io.membrane.actors.api.model.Health;
import io.membrane.actors.api.model.IdentityInfo;
import io.membrane.actors.api.model.IpBatchApplied;
import io.membrane.actors.api.model.IpDeleted;
import io.membrane.actors.api.model.IpEntry;
import io.membrane.actors.api.model.MapDump;
import io.membrane.actors.api.model.MapInfo;
import io.membrane.actors.api.model.MapList;
import io.membrane.actors.api.model.PrefilterChanged;
import io.membrane.actors.api.model.PrefilterState;
import io.membrane.actors.endpoint.EndpointManager;
import io.membrane.actors.identity.Identity;
import io.membrane.actors.identity.IdentityAllocator;
import io.membrane.actors.identity.LabelException;
import io.membrane.actors.identity.LabelSet;
import io.membrane.actors.ipcache.IpCache;
import io.membrane.actors.ipcache.IpCacheEntry;
import io.membrane.actors.ipcache.IpCacheException;
import io.membrane.actors.ipcache.IpCidr;
import io.membrane.actors.loader.DatapathLoader;
import io.membrane.actors.loader.DeviceLoader;
import io.membrane.actors.monitor.Event;
import io.membrane.actors.monitor.EventFormat;
import io.membrane.actors.monitor.EventPump;
import io.membrane.actors.monitor.EventPumpActor;
import io.membrane.actors.monitor.Subscription;
import io.membrane.actors.prefilter.Prefilter;
import io.membrane.actors.prefilter.PrefilterException;
import io.membrane.actors.prefilter.Scope;
import io.membrane.datapath.DatapathMaps;
import io.membrane.maps.BpfMap;
import io.membrane.maps.KeyValueMap;
import io.membrane.maps.net.Cidr;
import io.membrane.maps.net.Ipv6Prefix;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The admin API's routes (JSON over HTTP): all of them for the unix socket ({@link #routes}) and the token
 * listener ({@link #tokenRoutes}), the read-only ones for plain TCP ({@link #readOnlyRoutes}). {@link #ENDPOINTS}
 * is the one list of what is served — the dispatcher routes by it, the request counter labels by its templates, and the OpenAPI test
 * compares it with {@code api/v1/openapi.json}. Every body is a record of {@link io.membrane.actors.api.model};
 * every refusal is an {@link ApiError} with a 4xx status, mapped from the actors' typed rejections in one place
 * ({@link #statusOf}). No route writes a map itself — changes go to the actor that owns the map, and reads that
 * touch the kernel run on the blocking dispatcher.
 */
public final class AdminRoutes extends AllDirectives {
    /** What the routes talk to. */
    public record Targets(
            ActorRef<MapRegistry.Command> registry,
            MapRegistry.Handles maps,
            ActorRef<Prefilter.Command> prefilter,
            ActorRef<IpCache.Command> ipcache,
            IpCache.Current ipcacheCounts,
            ActorRef<DatapathLoader.Command> loader,
            EventPumpActor.Current events,
            int listenerQueue,
            Optional<ClusterHooks> cluster,
            Optional<EndpointManager.Handle> endpoints) {
        /** These targets with the cluster's hooks and the endpoints, which start after the rest. */
        public Targets with(Optional<ClusterHooks> hooks, Optional<EndpointManager.Handle> manager) {
            return new Targets(
                    registry, maps, prefilter, ipcache, ipcacheCounts, loader, events, listenerQueue, hooks, manager);
        }
    }

    /**
     * One route: an HTTP method, a path template whose {@code {name}} parts each match one segment, and the
     * handler given those parts by name.
     */
    record Endpoint(
            String method,
            String path,
            BiFunction<AdminRoutes, Map<String, String>, Route> handler,
            boolean lastTakesRest) {
        Endpoint(String method, String path, BiFunction<AdminRoutes, Map<String, String>, Route> handler) {
            this(method, path, handler, false);
        }

        /**
         * An endpoint whose last {@code {name}} part takes the rest of the path, slashes included: a CIDR in a path
         * ({@code /v1/ip/198.51.100.0/24}) is two segments unless its slash is encoded.
         */
        static Endpoint withRest(String method, String path, BiFunction<AdminRoutes, Map<String, String>, Route> h) {
            return new Endpoint(method, path, h, true);
        }

        /** The template's parts matched against {@code path}, or empty if it does not match. */
        Optional<Map<String, String>> match(String requestPath) {
            String[] want = path.split("/", -1);
            String[] got = requestPath.split("/", -1);
            if (lastTakesRest && got.length > want.length) {
                String[] joined = java.util.Arrays.copyOf(got, want.length);
                joined[want.length - 1] =
                        String.join("/", java.util.Arrays.copyOfRange(got, want.length - 1, got.length));
                got = joined;
            }
            if (want.length != got.length) {
                return Optional.empty();
            }
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < want.length; i++) {
                if (want[i].startsWith("{") && want[i].endsWith("}") && !got[i].isEmpty()) {
                    params.put(want[i].substring(1, want[i].length() - 1), got[i]);
                } else if (!want[i].equals(got[i])) {
                    return Optional.empty();
                }
            }
            return Optional.of(params);
        }
    }

    static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("GET", "/v1/healthz", (r, p) -> json(200, new Health("ok"))),
            new Endpoint("GET", "/v1/status", (r, p) -> r.status()),
            new Endpoint("GET", "/v1/prefilter", (r, p) -> r.prefilterGet()),
            new Endpoint("PATCH", "/v1/prefilter", (r, p) -> r.body(b -> r.change(b, true))),
            new Endpoint("DELETE", "/v1/prefilter", (r, p) -> r.body(b -> r.change(b, false))),
            new Endpoint("GET", "/v1/map", (r, p) -> r.mapList()),
            new Endpoint("GET", "/v1/map/{name}", (r, p) -> r.map(p.get("name"))),
            new Endpoint("GET", "/v1/monitor", (r, p) -> r.monitor()),
            new Endpoint("GET", "/v1/cluster", (r, p) -> r.cluster()),
            new Endpoint("GET", "/v1/cluster/rtt", (r, p) -> r.clusterRtt()),
            new Endpoint("GET", "/v1/ip", (r, p) -> r.ipList()),
            new Endpoint("PATCH", "/v1/ip", (r, p) -> r.body(r::ipBatch)),
            Endpoint.withRest("PUT", "/v1/ip/{cidr}", (r, p) -> r.body(b -> r.ipPut(p.get("cidr"), b))),
            Endpoint.withRest("DELETE", "/v1/ip/{cidr}", (r, p) -> r.ipDelete(p.get("cidr"))),
            new Endpoint("GET", "/v1/endpoint", (r, p) -> r.endpointList()),
            new Endpoint("GET", "/v1/endpoint/{id}", (r, p) -> r.endpointGet(p.get("id"))),
            new Endpoint("PUT", "/v1/endpoint/{id}", (r, p) -> r.body(b -> r.endpointPut(p.get("id"), b))),
            new Endpoint("DELETE", "/v1/endpoint/{id}", (r, p) -> r.endpointDelete(p.get("id"))),
            new Endpoint("GET", "/v1/endpoint/{id}/log", (r, p) -> r.endpointLog(p.get("id"))),
            new Endpoint("PATCH", "/v1/endpoint/{id}/labels", (r, p) -> r.body(b -> r.endpointLabels(p.get("id"), b))),
            new Endpoint("GET", "/v1/identity", (r, p) -> r.identities()),
            new Endpoint("GET", "/v1/identity/{id}", (r, p) -> r.identity(p.get("id"))),
            new Endpoint("GET", "/metrics", (r, p) -> r.metrics()));

    /** The paths plain TCP serves (read-only; everything else is on the unix socket). */
    static final List<String> TCP_READ_ONLY = List.of("/metrics", "/v1/healthz");

    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
    private static final AtomicLong SSE_CLIENTS = new AtomicLong();

    private final ActorSystem<?> system;
    private final AgentConfig config;
    private final Targets targets;
    private final Executor blocking;
    private final AdminMetrics metrics;
    /** The cluster's allocator, or the reserved identities alone on an agent without a cluster. */
    private final IdentityAllocator identities;

    public AdminRoutes(ActorSystem<?> system, AgentConfig config, Targets targets) {
        this.system = system;
        this.config = config;
        this.targets = targets;
        this.blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("membrane-blocking-dispatcher"));
        this.metrics =
                new AdminMetrics(targets.maps().get(DatapathMaps.METRICS), targets.events(), targets.ipcacheCounts());
        this.identities = targets.cluster().flatMap(ClusterHooks::identities).orElse(IdentityAllocator.reservedOnly());
        targets.cluster().flatMap(ClusterHooks::identityMetrics).ifPresent(m -> metrics.identities(m, identities));
        targets.endpoints().ifPresent(e -> metrics.endpoints(e.counts()));
    }

    /** The full API, for the unix socket only root and the socket's group can reach. */
    public Route routes() {
        return served(this::dispatch);
    }

    /**
     * What plain TCP serves: {@link #TCP_READ_ONLY} (for a Prometheus scraper and health checks). Any other path
     * of the API is a 404 that names where the full API is; nothing reaches an actor that changes state.
     */
    public Route readOnlyRoutes() {
        return served(path -> TCP_READ_ONLY.contains(template(path))
                ? dispatch(path)
                : json(
                        404,
                        new ApiError(
                                "only " + String.join(" and ", TCP_READ_ONLY)
                                        + " are served over TCP; the full API is on the unix" + " socket "
                                        + config.apiSocket(),
                                "path",
                                path)));
    }

    /**
     * The full API behind a bearer token (the opt-in TCP listener): a request without {@code token} in its
     * {@code Authorization} header is a 401 before any route sees it.
     */
    public Route tokenRoutes(BearerToken token) {
        return served(path -> optionalHeaderValueByName(
                "Authorization",
                presented -> token.accepts(presented)
                        ? dispatch(path)
                        : complete(jsonResponse(
                                        401,
                                        new ApiError(
                                                "this listener needs the header Authorization: Bearer"
                                                        + " TOKEN with the agent's token (membrane.api.token-listener)",
                                                "Authorization",
                                                ""))
                                .addHeader(HttpHeader.parse("WWW-Authenticate", "Bearer realm=\"membrane\"")))));
    }

    /** {@code inner} for the request's path, with the API's error bodies and the request counter. */
    private Route served(Function<String, Route> inner) {
        return handleExceptions(
                exceptions(),
                () -> handleRejections(
                        rejections(),
                        () -> extractMethod(method -> extractUri(uri -> mapResponse(
                                resp -> count(method.name(), uri.path(), resp), () -> inner.apply(uri.path()))))));
    }

    /**
     * The endpoints whose template matches {@code path}, each behind its method: a known path asked with another
     * method is rejected as 405 naming the allowed ones, an unknown path as 404.
     */
    private Route dispatch(String path) {
        List<Route> routes = new ArrayList<>();
        for (Endpoint e : ENDPOINTS) {
            e.match(path)
                    .ifPresent(params ->
                            routes.add(method(HttpMethods.lookup(e.method()).orElseThrow(), () -> e.handler()
                                    .apply(this, params))));
        }
        if (routes.isEmpty()) {
            return reject();
        }
        return concat(routes.get(0), routes.subList(1, routes.size()).toArray(Route[]::new));
    }

    /** The template {@code path} matches (so a map name adds no metric series), else the path itself. */
    static String template(String path) {
        return ENDPOINTS.stream()
                .filter(e -> e.match(path).isPresent())
                .map(Endpoint::path)
                .findFirst()
                .orElse(path);
    }

    // --- prefilter ---

    private Route prefilterGet() {
        return onSuccess(ask(targets.prefilter(), Prefilter.Get::new), s -> json(200, snapshot(s)));
    }

    private Route body(Function<String, Route> inner) {
        return withSizeLimit(config.maxBodyBytes(), () -> entity(Unmarshaller.entityToString(), inner));
    }

    private Route change(String body, boolean add) {
        PrefilterRequest req = PrefilterRequest.parse(body);
        CompletionStage<Prefilter.Result> result;
        if (req.scope() == Scope.CLUSTER) {
            if (targets.cluster().isEmpty()) {
                throw new Refusal(
                        400, "scope cluster needs a clustered agent; this one runs alone", "scope", "cluster");
            }
            result = targets.cluster().get().changePrefilter(req.deny(), add, req.revision());
        } else {
            result = add
                    ? ask(targets.prefilter(), r -> new Prefilter.Add(req.deny(), Scope.NODE, req.revision(), r))
                    : ask(targets.prefilter(), r -> new Prefilter.Remove(req.deny(), Scope.NODE, req.revision(), r));
        }
        return onSuccess(result, r -> {
            if (r instanceof Prefilter.Applied a) {
                return json(200, new PrefilterChanged(a.revision(), a.changed()));
            }
            Prefilter.Rejected rej = (Prefilter.Rejected) r;
            return json(statusOf(rej.reason()), new ApiError(rej.message(), "deny", rej.offendingValue()));
        });
    }

    /** The one place a prefilter refusal becomes an HTTP status. */
    static int statusOf(PrefilterException.Reason reason) {
        return switch (reason) {
            case INVALID_CIDR, EMPTY, DUPLICATE, FAMILY_DISABLED -> 400;
            case NOT_FOUND -> 404;
            case STALE_REVISION -> 409;
            case MAP_FULL -> 507;
            case NOT_CONFIRMED -> 503;
            case KERNEL -> 500;
        };
    }

    static PrefilterState snapshot(Prefilter.Snapshot s) {
        return new PrefilterState(
                s.revision(),
                s.deny().stream().map(Cidr::toString).toList(),
                s.entries().stream()
                        .map(e -> new PrefilterState.Entry(
                                e.cidr().toString(),
                                e.scopes().stream().sorted().map(Scope::label).toList()))
                        .toList());
    }

    // --- cluster ---

    private Route cluster() {
        if (targets.cluster().isEmpty()) {
            return json(404, new ApiError("this agent runs without a cluster", "", ""));
        }
        return onSuccess(targets.cluster().get().status(), s -> json(200, s));
    }

    /** Round trips to another node ({@code ?node=NAME}, {@code &count=} 1..10,000, default 100). */
    private Route clusterRtt() {
        if (targets.cluster().isEmpty()) {
            return json(404, new ApiError("this agent runs without a cluster", "", ""));
        }
        return parameterOptional(
                "node",
                node -> parameterOptional("count", countText -> {
                    if (node.isEmpty() || node.get().isEmpty()) {
                        return json(
                                400,
                                new ApiError(
                                        "name the other node: ?node=NAME (GET /v1/cluster lists them)", "node", ""));
                    }
                    int count;
                    try {
                        count = Integer.parseInt(countText.orElse("100"));
                    } catch (NumberFormatException e) {
                        count = -1;
                    }
                    if (count < 1 || count > 10_000) {
                        return json(
                                400, new ApiError("count is a number from 1 to 10000", "count", countText.orElse("")));
                    }
                    return onComplete(targets.cluster().get().rtt(node.get(), count), t -> {
                        if (t.isSuccess()) {
                            return json(200, t.get());
                        }
                        Throwable cause = t.failed().get() instanceof java.util.concurrent.CompletionException c
                                        && c.getCause() != null
                                ? c.getCause()
                                : t.failed().get();
                        return cause instanceof IllegalArgumentException
                                ? json(404, new ApiError(cause.getMessage(), "node", node.get()))
                                : json(503, new ApiError(cause.getMessage(), "node", node.get()));
                    });
                }));
    }

    // --- ipcache ---

    private Route ipList() {
        return parameterOptional("cidr", filter -> {
            Optional<Cidr> within;
            try {
                within = filter.map(Cidr::parse);
            } catch (IllegalArgumentException e) {
                return json(400, new ApiError(e.getMessage(), "cidr", filter.get()));
            }
            return onSuccess(
                    this.<IpCache.Snapshot>ask(targets.ipcache(), r -> new IpCache.Get(within, r)),
                    s -> json(200, s.entries().stream().map(this::ipEntry).toList()));
        });
    }

    private IpEntry ipEntry(IpCache.Listed l) {
        IpCacheEntry e = l.entry();
        List<String> labels =
                identities.byId(e.identity()).map(i -> i.labels().texts()).orElse(List.of());
        return new IpEntry(
                e.cidr().toString(),
                Integer.toUnsignedLong(e.identity()),
                labels,
                e.node(),
                e.source().text(),
                l.claims());
    }

    private Route ipPut(String cidrText, String body) {
        Cidr cidr = ipCidr(cidrText);
        LabelSet labels = IpRequest.labels(body);
        ClusterHooks cluster = ipCluster();
        return onSuccess(cluster.putIp(cidr, labels), r -> {
            if (r instanceof IpCache.Published p) {
                return json(p.created() ? 201 : 200, ipEntry(new IpCache.Listed(p.entry(), 0, 1)));
            }
            return ipRefused(r);
        });
    }

    private Route ipBatch(String body) {
        Map<Cidr, LabelSet> entries = IpRequest.batch(body);
        return onSuccess(
                ipCluster().putIps(entries),
                r -> r instanceof IpCache.Applied a ? json(200, new IpBatchApplied(a.changed())) : ipRefused(r));
    }

    private Route ipDelete(String cidrText) {
        Cidr cidr = ipCidr(cidrText);
        return onSuccess(
                ipCluster().deleteIp(cidr),
                r -> r instanceof IpCache.Applied a
                        ? json(200, new IpDeleted(cidr.toString(), a.changed() > 0))
                        : ipRefused(r));
    }

    /** The CIDR of a path, its slash written as is or encoded ({@code %2F}). */
    private static Cidr ipCidr(String pathPart) {
        String text = java.net.URLDecoder.decode(pathPart.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        try {
            return IpCidr.parseUser(text);
        } catch (IpCacheException e) {
            throw new Refusal(400, e.getMessage(), "cidr", text);
        }
    }

    private ClusterHooks ipCluster() {
        return targets.cluster()
                .orElseThrow(() -> new Refusal(
                        400,
                        "external ipcache entries are cluster-wide: this agent runs without a cluster",
                        "cidr",
                        ""));
    }

    private static Route ipRefused(IpCache.Result r) {
        IpCache.Rejected rej = (IpCache.Rejected) r;
        String field = rej.reason() == IpCacheException.Reason.INVALID_ENTRY ? "labels" : "cidr";
        return json(statusOf(rej.reason()), new ApiError(rej.message(), field, rej.offendingValue()));
    }

    /** The one place an ipcache refusal becomes an HTTP status. */
    static int statusOf(IpCacheException.Reason reason) {
        return switch (reason) {
            case INVALID_CIDR, INVALID_ENTRY -> 400;
            case IDENTITY_UNAVAILABLE, NOT_CONFIRMED -> 503;
            case MAP_FULL -> 507;
            case KERNEL -> 500;
        };
    }

    // --- endpoints ---

    private Route endpointList() {
        return parameterOptional("labels", text -> {
            if (targets.endpoints().isEmpty()) {
                return json(200, List.of());
            }
            List<String> labels = text.filter(t -> !t.isBlank())
                    .map(t -> List.of(t.split(",", -1)))
                    .orElse(List.of());
            return endpointReply(r -> new EndpointManager.ListEndpoints(labels, r));
        });
    }

    private Route endpointGet(String idText) {
        int id = endpointId(idText);
        return endpointReply(r -> new EndpointManager.Get(id, r));
    }

    private Route endpointLog(String idText) {
        int id = endpointId(idText);
        return onSuccess(
                ask(endpoints().ref(), (ActorRef<EndpointManager.Reply> r) -> new EndpointManager.Get(id, r)),
                reply -> reply instanceof EndpointManager.Found f
                        ? json(
                                200,
                                f.status().log().stream()
                                        .map(e -> new EndpointModel.LogEntry(
                                                e.at().toString(), e.state().text(), e.message()))
                                        .toList())
                        : endpointRefused(reply));
    }

    private Route endpointPut(String idText, String body) {
        int id = endpointId(idText);
        EndpointRequest.Put put = EndpointRequest.put(body);
        return endpointReply(r -> new EndpointManager.Create(
                id, put.interfaceName(), put.ipv4(), put.ipv6(), put.labels(), put.mac(), put.sync(), r));
    }

    private Route endpointLabels(String idText, String body) {
        int id = endpointId(idText);
        List<String> labels = EndpointRequest.labels(body);
        return endpointReply(r -> new EndpointManager.SetLabels(id, labels, r));
    }

    private Route endpointDelete(String idText) {
        int id = endpointId(idText);
        return endpointReply(r -> new EndpointManager.Delete(id, r));
    }

    private Route endpointReply(Function<ActorRef<EndpointManager.Reply>, EndpointManager.Command> request) {
        EndpointManager.Handle handle = endpoints();
        CompletionStage<EndpointManager.Reply> reply = AskPattern.ask(
                handle.ref(), request::apply, config.endpoints().readyTimeout().plus(ASK_TIMEOUT), system.scheduler());
        return onSuccess(reply, r -> {
            if (r instanceof EndpointManager.Found f) {
                return json(f.created() ? 201 : 200, endpointModel(f.status()));
            }
            if (r instanceof EndpointManager.Listed l) {
                return json(
                        200,
                        l.endpoints().stream().map(AdminRoutes::endpointModel).toList());
            }
            return endpointRefused(r);
        });
    }

    private static Route endpointRefused(EndpointManager.Reply r) {
        if (r instanceof EndpointManager.Refused no) {
            return json(no.conflict() ? 409 : 400, new ApiError(no.message(), no.field(), no.value()));
        }
        if (r instanceof EndpointManager.NotFound nf) {
            return json(
                    404,
                    new ApiError(
                            "no endpoint " + nf.id() + " (GET /v1/endpoint lists them)",
                            "id",
                            String.valueOf(nf.id())));
        }
        EndpointManager.Failed failed = (EndpointManager.Failed) r;
        return json(500, new ApiError(failed.message(), "", ""));
    }

    private EndpointManager.Handle endpoints() {
        return targets.endpoints()
                .orElseThrow(() -> new Refusal(
                        400, "this node has no pod CIDR for endpoints (membrane.endpoints.pod-cidr)", "id", ""));
    }

    /** An endpoint id of a path: 1..65535, as Cilium's. */
    private static int endpointId(String text) {
        try {
            int id = Integer.parseInt(text);
            if (id >= 1 && id <= 65_535) {
                return id;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new Refusal(400, "an endpoint id is a number 1..65535", "id", text);
    }

    static EndpointModel endpointModel(io.membrane.actors.endpoint.Endpoint.Status s) {
        String health =
                switch (s.state()) {
                    case READY -> s.lastError().isPresent() ? "Warning" : "OK";
                    case DISCONNECTING, DISCONNECTED, INVALID -> "Failure";
                    default -> s.lastError().isPresent() ? "Warning" : "Pending";
                };
        return new EndpointModel(
                s.id(),
                s.state().text(),
                Integer.toUnsignedLong(s.identity()),
                s.labels().texts(),
                new EndpointModel.Addressing(
                        s.ipv4().addressText(),
                        s.ipv6()
                                .map(a -> Ipv6Prefix.addressText(a.addressBytes()))
                                .orElse(null)),
                s.interfaceName(),
                s.ifindex().orElse(0),
                s.mac().orElse(null),
                new EndpointModel.Policy(0, 0, "disabled", "disabled"),
                new EndpointModel.Health(health, s.lastError().orElse(null)));
    }

    // --- identities ---

    /** Every identity this node knows, or with {@code ?labels=} the one of that label set (404 if none). */
    private Route identities() {
        return parameterOptional("labels", text -> {
            if (text.isEmpty()) {
                return json(
                        200, identities.all().stream().map(AdminRoutes::info).toList());
            }
            LabelSet labels;
            try {
                labels = LabelSet.parse(text.get());
            } catch (LabelException e) {
                return json(400, new ApiError(e.getMessage(), "labels", e.label()));
            }
            Optional<IdentityAllocator.IdentityUse> found =
                    identities.byLabels(labels).map(this::use);
            return found.isPresent()
                    ? json(200, List.of(info(found.get())))
                    : json(404, new ApiError("no identity has the labels " + labels, "labels", text.get()));
        });
    }

    private Route identity(String idText) {
        int id;
        try {
            id = Integer.parseUnsignedInt(idText);
        } catch (NumberFormatException e) {
            return json(400, new ApiError("an identity is a number", "id", idText));
        }
        Optional<IdentityAllocator.IdentityUse> found = identities.byId(id).map(this::use);
        return found.isPresent()
                ? json(200, info(found.get()))
                : json(404, new ApiError("no identity " + idText + " (GET /v1/identity lists them)", "id", idText));
    }

    /** The identity with the nodes that use it, from the allocator's list. */
    private IdentityAllocator.IdentityUse use(Identity identity) {
        return identities.all().stream()
                .filter(u -> u.identity().id() == identity.id())
                .findFirst()
                .orElse(new IdentityAllocator.IdentityUse(identity, List.of()));
    }

    private static IdentityInfo info(IdentityAllocator.IdentityUse u) {
        return new IdentityInfo(
                u.identity().id(),
                u.identity().labels().texts(),
                u.identity().scope().text(),
                u.nodesUsing());
    }

    // --- live events ---

    /**
     * The event stream as server-sent events, each the same JSON the CLI prints with --json, with a heartbeat
     * comment every 10 s so idle streams stay open. The client is one pump listener with a bounded queue; if it
     * cannot keep up its stream ends (the pump never waits for it).
     */
    private Route monitor() {
        return parameterOptional("type", type -> {
            Optional<EventPump> pump = targets.events().get();
            if (pump.isEmpty()) {
                return json(503, new ApiError("the event pump is not running (see GET /v1/status)", "", ""));
            }
            if (type.isPresent() && !EventFormat.TYPES.contains(type.get())) {
                return json(400, new ApiError("type must be one of " + EventFormat.TYPES, "type", type.get()));
            }
            Predicate<Event> wanted = type.<Predicate<Event>>map(t -> e -> t.equals(EventFormat.type(e)))
                    .orElse(e -> true);
            String name = "sse-" + SSE_CLIENTS.incrementAndGet();
            Source<ServerSentEvent, NotUsed> events = Source.<ServerSentEvent>queue(targets.listenerQueue())
                    .mapMaterializedValue(queue -> {
                        Subscription subscription = pump.get().subscribe(name, targets.listenerQueue(), e -> {
                            if (wanted.test(e)
                                    && !queue.offer(ServerSentEvent.create(EventFormat.json(e), EventFormat.type(e)))
                                            .isEnqueued()) {
                                throw new IllegalStateException("SSE client " + name + " reads too slowly");
                            }
                        });
                        subscription.whenEnded().thenRun(queue::complete);
                        return subscription;
                    })
                    .watchTermination((subscription, done) -> {
                        done.whenComplete((ok, failure) -> subscription.close("client went away"));
                        return NotUsed.getInstance();
                    })
                    .keepAlive(Duration.ofSeconds(10), ServerSentEvent::heartbeat);
            return completeOK(events, EventStreamMarshalling.toEventStream());
        });
    }

    // --- status, maps, metrics ---

    private Route status() {
        CompletableFuture<List<MapRegistry.MapStatus>> maps =
                ask(targets.registry(), MapRegistry.GetStatus::new).toCompletableFuture();
        CompletableFuture<List<DeviceLoader.Status>> devices =
                ask(targets.loader(), DatapathLoader.GetStatus::new).toCompletableFuture();
        CompletableFuture<Prefilter.Snapshot> prefilter =
                ask(targets.prefilter(), Prefilter.Get::new).toCompletableFuture();
        CompletionStage<AgentStatus> all = CompletableFuture.allOf(maps, devices, prefilter)
                .thenApply(done -> new AgentStatus(
                        devices.join().stream().map(AdminRoutes::device).toList(),
                        eventCounters(),
                        mapInfos(maps.join()),
                        new AgentStatus.PrefilterSummary(
                                prefilter.join().revision(),
                                prefilter.join().deny().size()),
                        targets.endpoints().map(AdminRoutes::endpointCounts).orElse(null)));
        return onSuccess(all, out -> json(200, out));
    }

    private static Map<String, Integer> endpointCounts(EndpointManager.Handle h) {
        Map<String, Integer> out = new java.util.LinkedHashMap<>();
        h.counts().byState().forEach((state, n) -> out.put(state.text(), n));
        return out;
    }

    private AgentStatus.EventCounters eventCounters() {
        return ApiJson.MAPPER.convertValue(targets.events().counters(), AgentStatus.EventCounters.class);
    }

    private static AgentStatus.Device device(DeviceLoader.Status s) {
        return new AgentStatus.Device(
                s.attempts(),
                s.compileCacheHit().orElse(null),
                s.device(),
                s.error().orElse(null),
                s.mode().orElse(null),
                s.programId().isPresent() ? s.programId().getAsInt() : null,
                s.state());
    }

    private static List<MapInfo> mapInfos(List<MapRegistry.MapStatus> list) {
        return list.stream()
                .map(m -> new MapInfo(m.name(), m.type(), m.entries(), m.maxEntries(), m.pinPath(), m.outcome()))
                .toList();
    }

    private Route mapList() {
        return onSuccess(
                ask(targets.registry(), MapRegistry.GetStatus::new), list -> json(200, new MapList(mapInfos(list))));
    }

    private Route map(String name) {
        Optional<BpfMap<?, ?>> found =
                targets.maps().all().stream().filter(m -> m.name().equals(name)).findFirst();
        if (found.isEmpty()) {
            return json(404, new ApiError("no map named " + name + " (GET /v1/map lists them)", "name", name));
        }
        BpfMap<?, ?> m = found.get();
        String type = m.spec().type().name().toLowerCase();
        if (!(m instanceof KeyValueMap<?, ?> kv)) {
            return json(
                    200,
                    new MapDump(null, null, name, type, "the kernel does not let user space read this map's values"));
        }
        return onSuccess(
                CompletableFuture.supplyAsync(() -> MapRendering.entries(kv), blocking),
                entries -> json(200, new MapDump(entries, m.spec().maxEntries(), name, type, null)));
    }

    private Route metrics() {
        return onSuccess(
                CompletableFuture.supplyAsync(metrics::scrape, blocking),
                text -> complete(HttpResponse.create()
                        .withStatus(200)
                        .withEntity(HttpEntities.create(ContentTypes.parse(metrics.contentType()), text))));
    }

    private HttpResponse count(String method, String path, HttpResponse resp) {
        metrics.countRequest(method, template(path), resp.status().intValue());
        return resp;
    }

    // --- plumbing ---

    private <T> CompletionStage<T> ask(ActorRef<?> target, Function<ActorRef<T>, ?> message) {
        @SuppressWarnings("unchecked")
        ActorRef<Object> t = (ActorRef<Object>) target;
        return AskPattern.ask(t, r -> message.apply(r), ASK_TIMEOUT, system.scheduler());
    }

    static Route json(int status, Object body) {
        return new AllDirectives() {}.complete(jsonResponse(status, body));
    }

    static HttpResponse jsonResponse(int status, Object body) {
        return HttpResponse.create()
                .withStatus(status)
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, ApiJson.pretty(body) + "\n"));
    }

    private ApiError overSizeLimit() {
        return new ApiError("body over the size limit of " + config.maxBodyBytes() + " bytes", "body", "");
    }

    private ExceptionHandler exceptions() {
        return ExceptionHandler.newBuilder()
                .match(Refusal.class, r -> json(r.status(), r.body()))
                .match(EntityStreamSizeException.class, e -> json(400, overSizeLimit()))
                .build();
    }

    private RejectionHandler rejections() {
        return RejectionHandler.defaultHandler().mapRejectionResponse(resp -> {
            if (resp.status().intValue() == 413) {
                // An oversized body is bad input like any other: 400, with the limit named.
                return jsonResponse(400, overSizeLimit());
            }
            if (resp.entity().getContentType().equals(ContentTypes.APPLICATION_JSON)) {
                return resp;
            }
            String text = resp.entity() instanceof HttpEntity.Strict s
                    ? s.getData().utf8String()
                    : resp.status().reason();
            return resp.withEntity(HttpEntities.create(
                    ContentTypes.APPLICATION_JSON, ApiJson.pretty(new ApiError(text, "", "")) + "\n"));
        });
    }
}
