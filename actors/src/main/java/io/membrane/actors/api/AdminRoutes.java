package io.membrane.actors.api;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.membrane.actors.AgentConfig;
import io.membrane.actors.MapRegistry;
import io.membrane.actors.loader.DatapathLoader;
import io.membrane.actors.loader.DeviceLoader;
import io.membrane.actors.monitor.Event;
import io.membrane.actors.monitor.EventFormat;
import io.membrane.actors.monitor.EventPump;
import io.membrane.actors.monitor.EventPumpActor;
import io.membrane.actors.monitor.Subscription;
import java.util.function.Predicate;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.stream.javadsl.Source;
import io.membrane.actors.prefilter.Prefilter;
import io.membrane.actors.prefilter.PrefilterException;
import io.membrane.actors.prefilter.Scope;
import io.membrane.datapath.structs.MetricsKey;
import io.membrane.datapath.structs.MetricsValue;
import io.membrane.maps.BpfMap;
import io.membrane.maps.KeyValueMap;
import io.membrane.maps.net.Cidr;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;

/**
 * The admin API's routes (JSON over HTTP, loopback by default). Every refusal is a JSON {@link ApiError} with
 * a 4xx status, mapped from the actors' typed rejections in one place ({@link #statusOf}); no route writes a
 * map itself — changes go to the actor that owns the map, and reads that touch the kernel run on the blocking
 * dispatcher.
 */
public final class AdminRoutes extends AllDirectives {
    /** What the routes talk to. */
    public record Targets(ActorRef<MapRegistry.Command> registry, MapRegistry.Handles maps,
                          ActorRef<Prefilter.Command> prefilter, ActorRef<DatapathLoader.Command> loader,
                          EventPumpActor.Current events, int listenerQueue, Optional<ClusterHooks> cluster) {
    }

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .findAndRegisterModules();
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
    private static final java.util.concurrent.atomic.AtomicLong SSE_CLIENTS = new java.util.concurrent.atomic.AtomicLong();

    private final ActorSystem<?> system;
    private final AgentConfig config;
    private final Targets targets;
    private final Executor blocking;
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();

    public AdminRoutes(ActorSystem<?> system, AgentConfig config, Targets targets) {
        this.system = system;
        this.config = config;
        this.targets = targets;
        this.blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig("membrane-blocking-dispatcher"));
    }

    public Route routes() {
        return handleExceptions(exceptions(), () -> handleRejections(rejections(), () ->
                extractMethod(method -> extractUri(uri -> mapResponse(resp -> count(method.name(), uri.path(), resp),
                        () -> concat(
                                path(segment("v1").slash("healthz"), () -> get(() -> json(200, Map.of("status", "ok")))),
                                path(segment("v1").slash("status"), () -> get(this::status)),
                                path(segment("v1").slash("prefilter"), this::prefilter),
                                path(segment("v1").slash("map"), () -> get(this::mapList)),
                                path(segment("v1").slash("monitor"), () -> get(this::monitor)),
                                path(segment("v1").slash("cluster"), () -> get(this::cluster)),
                                path(segment("v1").slash("map").slash(segment()), name -> get(() -> map(name))),
                                path("metrics", () -> get(this::metrics))))))));
    }

    // --- prefilter ---

    private Route prefilter() {
        return concat(
                get(() -> onSuccess(ask(targets.prefilter(), Prefilter.Get::new), s -> json(200, snapshot(s)))),
                patch(() -> body(body -> change(body, true))),
                delete(() -> body(body -> change(body, false))));
    }

    private Route body(Function<String, Route> inner) {
        return withSizeLimit(config.maxBodyBytes(), () -> entity(Unmarshaller.entityToString(), inner));
    }

    private Route change(String body, boolean add) {
        PrefilterRequest req = PrefilterRequest.parse(body);
        CompletionStage<Prefilter.Result> result;
        if (req.scope() == Scope.CLUSTER) {
            if (targets.cluster().isEmpty()) {
                throw new ApiError.Refusal(400, "scope cluster needs a clustered agent; this one runs alone", "scope",
                        "cluster");
            }
            result = targets.cluster().get().changePrefilter(req.deny(), add, req.revision());
        } else {
            result = add
                    ? ask(targets.prefilter(), r -> new Prefilter.Add(req.deny(), Scope.NODE, req.revision(), r))
                    : ask(targets.prefilter(), r -> new Prefilter.Remove(req.deny(), Scope.NODE, req.revision(), r));
        }
        return onSuccess(result, r -> {
            if (r instanceof Prefilter.Applied a) {
                return json(200, Map.of("revision", a.revision(), "changed", a.changed()));
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

    static Map<String, Object> snapshot(Prefilter.Snapshot s) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("revision", s.revision());
        out.put("deny", s.deny().stream().map(Cidr::toString).toList());
        out.put("entries", s.entries().stream().map(e -> {
            Map<String, Object> entry = new java.util.LinkedHashMap<>();
            entry.put("cidr", e.cidr().toString());
            entry.put("scope", e.scopes().stream().sorted().map(Scope::label).toList());
            return entry;
        }).toList());
        return out;
    }

    // --- cluster ---

    private Route cluster() {
        if (targets.cluster().isEmpty()) {
            return json(404, new ApiError("this agent runs without a cluster", "", ""));
        }
        return onSuccess(targets.cluster().get().status(), s -> json(200, s));
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
            Predicate<Event> wanted = type.<Predicate<Event>>map(t -> e -> t.equals(EventFormat.type(e))).orElse(e -> true);
            String name = "sse-" + SSE_CLIENTS.incrementAndGet();
            Source<ServerSentEvent, NotUsed> events = Source.<ServerSentEvent>queue(targets.listenerQueue())
                    .mapMaterializedValue(queue -> {
                        Subscription subscription = pump.get().subscribe(name, targets.listenerQueue(), e -> {
                            if (wanted.test(e) && !queue.offer(ServerSentEvent.create(EventFormat.json(e),
                                    EventFormat.type(e))).isEnqueued()) {
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
        CompletionStage<List<MapRegistry.MapStatus>> maps = ask(targets.registry(), MapRegistry.GetStatus::new);
        CompletionStage<List<DeviceLoader.Status>> devices = ask(targets.loader(), DatapathLoader.GetStatus::new);
        CompletionStage<Prefilter.Snapshot> prefilter = ask(targets.prefilter(), Prefilter.Get::new);
        CompletionStage<Map<String, Object>> all = maps.thenCombine(devices, (m, d) -> {
            Map<String, Object> out = new TreeMap<>();
            out.put("maps", m);
            out.put("devices", d.stream().map(AdminRoutes::device).toList());
            return out;
        }).thenCombine(prefilter, (out, p) -> {
            out.put("prefilter", Map.of("revision", p.revision(), "entries", p.deny().size()));
            out.put("events", targets.events().counters());
            return out;
        });
        return onSuccess(all, out -> json(200, out));
    }

    private static Map<String, Object> device(DeviceLoader.Status s) {
        Map<String, Object> m = new TreeMap<>();
        m.put("device", s.device());
        m.put("state", s.state());
        s.mode().ifPresent(x -> m.put("mode", x));
        s.programId().ifPresent(x -> m.put("programId", x));
        s.error().ifPresent(x -> m.put("error", x));
        m.put("attempts", s.attempts());
        s.compileCacheHit().ifPresent(x -> m.put("compileCacheHit", x));
        return m;
    }

    private Route mapList() {
        return onSuccess(ask(targets.registry(), MapRegistry.GetStatus::new), list -> json(200, Map.of("maps", list)));
    }

    private Route map(String name) {
        Optional<BpfMap<?, ?>> found = targets.maps().all().stream().filter(m -> m.name().equals(name)).findFirst();
        if (found.isEmpty()) {
            return json(404, new ApiError("no map named " + name + " (GET /v1/map lists them)", "name", name));
        }
        BpfMap<?, ?> m = found.get();
        if (!(m instanceof KeyValueMap<?, ?> kv)) {
            return json(200, Map.of("name", name, "type", m.spec().type().name().toLowerCase(),
                    "note", "the kernel does not let user space read this map's values"));
        }
        return onSuccess(CompletableFuture.supplyAsync(() -> MapRendering.entries(kv), blocking), entries -> {
            Map<String, Object> out = new TreeMap<>();
            out.put("name", name);
            out.put("type", m.spec().type().name().toLowerCase());
            out.put("maxEntries", m.spec().maxEntries());
            out.put("entries", entries);
            return json(200, out);
        });
    }

    private Route metrics() {
        return onSuccess(CompletableFuture.supplyAsync(this::prometheus, blocking), text ->
                complete(HttpResponse.create().withStatus(200).withEntity(
                        HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, text))));
    }

    private String prometheus() {
        Map<MetricsKey, List<MetricsValue>> raw = new TreeMap<>(java.util.Comparator.comparingInt(MetricsKey::index));
        targets.maps().metrics().entries().forEach((slot, perCpu) -> {
            if (MetricsValue.sum(perCpu).packets() != 0) {
                raw.put(MetricsKey.ofIndex(slot), perCpu);
            }
        });
        StringBuilder sb = new StringBuilder();
        header(sb, "membrane_drop_count_total", "Packets dropped by the datapath, by reason and direction.");
        raw.forEach((k, v) -> {
            if (k.reason().isDrop()) {
                sample(sb, "membrane_drop_count_total", labels(k), MetricsValue.sum(v).packets());
            }
        });
        header(sb, "membrane_drop_bytes_total", "Bytes dropped by the datapath, by reason and direction.");
        raw.forEach((k, v) -> {
            if (k.reason().isDrop()) {
                sample(sb, "membrane_drop_bytes_total", labels(k), MetricsValue.sum(v).bytes());
            }
        });
        header(sb, "membrane_forward_count_total", "Packets forwarded by the datapath, by direction.");
        raw.forEach((k, v) -> {
            if (!k.reason().isDrop()) {
                sample(sb, "membrane_forward_count_total", "direction=\"" + k.direction().label() + "\"",
                        MetricsValue.sum(v).packets());
            }
        });
        header(sb, "membrane_forward_bytes_total", "Bytes forwarded by the datapath, by direction.");
        raw.forEach((k, v) -> {
            if (!k.reason().isDrop()) {
                sample(sb, "membrane_forward_bytes_total", "direction=\"" + k.direction().label() + "\"",
                        MetricsValue.sum(v).bytes());
            }
        });
        header(sb, "membrane_events_total", "Event pump counters.");
        targets.events().counters().forEach((name, value) -> {
            if (value instanceof Number n) {
                sample(sb, "membrane_events_total", "counter=\"" + name + "\"", n.longValue());
            }
        });
        header(sb, "membrane_api_requests_total", "Admin API requests, by method, path and status code.");
        new TreeMap<>(requests).forEach((k, v) -> sample(sb, "membrane_api_requests_total", k, v.sum()));
        return sb.toString();
    }

    private static String labels(MetricsKey k) {
        String reason = k.reason() == io.membrane.datapath.structs.DropReason.UNKNOWN
                ? "code_" + k.reasonCode() : k.reason().label();
        return "reason=\"" + reason + "\",direction=\"" + k.direction().label() + "\"";
    }

    private static void header(StringBuilder sb, String name, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" counter\n");
    }

    private static void sample(StringBuilder sb, String name, String labels, long value) {
        sb.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    private HttpResponse count(String method, String path, HttpResponse resp) {
        String route = path.startsWith("/v1/map/") ? "/v1/map/{name}" : path;
        requests.computeIfAbsent("method=\"" + method + "\",path=\"" + route + "\",code=\"" + resp.status().intValue()
                + "\"", k -> new LongAdder()).increment();
        return resp;
    }

    // --- plumbing ---

    private <T> CompletionStage<T> ask(ActorRef<?> target, Function<ActorRef<T>, ?> message) {
        @SuppressWarnings("unchecked")
        ActorRef<Object> t = (ActorRef<Object>) target;
        return AskPattern.ask(t, r -> message.apply(r), ASK_TIMEOUT, system.scheduler());
    }

    static Route json(int status, Object body) {
        return new AllDirectives() { }.complete(jsonResponse(status, body));
    }

    static HttpResponse jsonResponse(int status, Object body) {
        try {
            return HttpResponse.create().withStatus(status).withEntity(
                    HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsString(body) + "\n"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot render " + body.getClass().getSimpleName(), e);
        }
    }

    private ExceptionHandler exceptions() {
        return ExceptionHandler.newBuilder()
                .match(ApiError.Refusal.class, r -> json(r.status(), r.body()))
                .match(EntityStreamSizeException.class, e -> json(400, new ApiError(
                        "body over the size limit of " + config.maxBodyBytes() + " bytes", "body", "")))
                .build();
    }

    private RejectionHandler rejections() {
        return RejectionHandler.defaultHandler().mapRejectionResponse(resp -> {
            if (resp.status().intValue() == 413) {
                // An oversized body is bad input like any other: 400, with the limit named.
                return jsonResponse(400, new ApiError("body over the size limit of " + config.maxBodyBytes()
                        + " bytes", "body", ""));
            }
            if (resp.entity().getContentType().equals(ContentTypes.APPLICATION_JSON)) {
                return resp;
            }
            String text = resp.entity() instanceof org.apache.pekko.http.javadsl.model.HttpEntity.Strict s
                    ? s.getData().utf8String() : resp.status().reason();
            try {
                return resp.withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
                        JSON.writeValueAsString(new ApiError(text, "", "")) + "\n"));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                return resp;
            }
        });
    }
}
