package io.membrane.actors;

import io.membrane.actors.api.AdminListeners;
import io.membrane.actors.api.AdminRoutes;
import io.membrane.actors.api.BearerToken;
import io.membrane.actors.api.ClusterHooks;
import io.membrane.actors.endpoint.Endpoint;
import io.membrane.actors.endpoint.EndpointCounts;
import io.membrane.actors.endpoint.EndpointManager;
import io.membrane.actors.endpoint.EndpointStore;
import io.membrane.actors.endpoint.Ipam;
import io.membrane.actors.endpoint.KernelEndpointHost;
import io.membrane.actors.endpoint.LocalOwnEntries;
import io.membrane.actors.endpoint.OwnIpEntries;
import io.membrane.actors.identity.IdentityAllocator;
import io.membrane.actors.ipcache.IpCache;
import io.membrane.actors.ipcache.IpCacheTable;
import io.membrane.actors.loader.DatapathLoader;
import io.membrane.actors.monitor.EventPumpActor;
import io.membrane.actors.prefilter.Prefilter;
import io.membrane.actors.prefilter.PrefilterTable;
import io.membrane.datapath.Clang;
import io.membrane.datapath.ConfigHeaders;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.EndpointDatapath;
import io.membrane.datapath.ObjectCache;
import io.membrane.datapath.ObjectLoader;
import io.membrane.maps.net.Ipv4Prefix;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guardian of one node's agent. It runs the start-up sequence of the reference agent — maps (the
 * registry mounts bpffs and opens or creates every map), restore (the Prefilter reads back the pinned maps),
 * headers, compile and attach (the DatapathLoader), the event pump and monitor socket, then the API — and
 * supervises its children: the map registry, the prefilter and the event pump restart with back-off (state
 * is rebuilt from the pinned maps), device loaders are supervised by the DatapathLoader. Stopping the agent leaves the datapath attached and the maps
 * pinned.
 */
public final class Agent {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    private static final DispatcherSelector BLOCKING = DispatcherSelector.fromConfig("membrane-blocking-dispatcher");

    public sealed interface Command permits GetTargets, Internal {}

    /** Start-up's own steps, sent by the agent to itself. */
    private sealed interface Internal extends Command permits MapsReady, StartFailed, ApiBound {}

    private record MapsReady(MapRegistry.Handles handles) implements Internal {}

    private record StartFailed(Throwable cause) implements Internal {}

    /** Says the listeners are up; they stay with the bind future, out of the protocol (no HTTP types here). */
    private record ApiBound() implements Internal {}

    /** The running agent's parts, once the API is up (tests and the demo use this). */
    public record GetTargets(ActorRef<AdminRoutes.Targets> replyTo) implements Command {}

    private Agent() {}

    /**
     * @param started completed with the bound API listeners once start-up finished, or exceptionally
     */
    public static Behavior<Command> create(AgentConfig config, CompletableFuture<AdminListeners> started) {
        return create(config, started, AgentExtension.NONE);
    }

    /** An agent whose start-up ends with {@code extension} (the cluster) before the API is bound. */
    public static Behavior<Command> create(
            AgentConfig config, CompletableFuture<AdminListeners> started, AgentExtension extension) {
        return Behaviors.setup(ctx -> {
            // Before any map is touched: an agent asked for the token listener without a usable token never starts.
            Optional<BearerToken> token;
            try {
                token = config.tokenListener().map(BearerToken::load);
            } catch (IllegalArgumentException e) {
                started.completeExceptionally(e);
                LOG.error("agent could not start: {}", e.getMessage());
                return Behaviors.stopped();
            }
            ActorRef<MapRegistry.Command> registry = ctx.spawn(
                    Behaviors.supervise(MapRegistry.create(config))
                            .onFailure(SupervisorStrategy.restartWithBackoff(
                                    Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)),
                    "map-registry",
                    BLOCKING);
            ctx.ask(
                    MapRegistry.Handles.class,
                    registry,
                    Duration.ofSeconds(60),
                    MapRegistry.GetHandles::new,
                    (h, t) -> h != null ? new MapsReady(h) : new StartFailed(t));
            return Behaviors.receive(Command.class)
                    .onMessage(
                            MapsReady.class,
                            m -> startWithMaps(ctx, config, registry, m.handles(), started, extension, token))
                    .onMessage(StartFailed.class, f -> {
                        started.completeExceptionally(f.cause());
                        LOG.error("agent could not start: {}", f.cause().getMessage());
                        return Behaviors.stopped();
                    })
                    .build();
        });
    }

    private static Behavior<Command> startWithMaps(
            ActorContext<Command> ctx,
            AgentConfig config,
            ActorRef<MapRegistry.Command> registry,
            MapRegistry.Handles h,
            CompletableFuture<AdminListeners> started,
            AgentExtension extension,
            Optional<BearerToken> token) {
        ActorRef<Prefilter.Command> prefilter = ctx.spawn(
                Behaviors.supervise(Prefilter.create(
                                () -> new PrefilterTable(
                                        h.get(DatapathMaps.CIDR4_FIX),
                                        h.get(DatapathMaps.CIDR4_DYN),
                                        h.get(DatapathMaps.CIDR6_FIX),
                                        h.get(DatapathMaps.CIDR6_DYN),
                                        config.enableIpv4(),
                                        config.enableIpv6()),
                                config.runDir().resolve("prefilter.revision")))
                        .onFailure(SupervisorStrategy.restartWithBackoff(
                                Duration.ofMillis(100), Duration.ofSeconds(5), 0.2)),
                "prefilter",
                BLOCKING);
        IpCache.Current ipcacheCounts = new IpCache.Current();
        ActorRef<IpCache.Command> ipcache = ctx.spawn(
                Behaviors.supervise(IpCache.create(() -> new IpCacheTable(h.ipcache()), ipcacheCounts))
                        .onFailure(SupervisorStrategy.restartWithBackoff(
                                Duration.ofMillis(100), Duration.ofSeconds(5), 0.2)),
                "ipcache",
                BLOCKING);
        ActorRef<DatapathLoader.Command> loader =
                ctx.spawn(DatapathLoader.create(config, h), "datapath-loader", BLOCKING);
        EventPumpActor.Current events = new EventPumpActor.Current();
        ctx.spawn(
                Behaviors.supervise(EventPumpActor.create(
                                h.get(DatapathMaps.EVENTS),
                                config.pagesPerCpu(),
                                config.recentEvents(),
                                config.listenerQueue(),
                                config.monitorSocket(),
                                events))
                        .onFailure(SupervisorStrategy.restartWithBackoff(
                                Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)),
                "event-pump",
                BLOCKING);
        AdminRoutes.Targets local = new AdminRoutes.Targets(
                registry,
                h,
                prefilter,
                ipcache,
                ipcacheCounts,
                loader,
                events,
                config.listenerQueue(),
                Optional.empty(),
                Optional.empty());
        Optional<ClusterHooks> cluster = extension.start(ctx, local);
        if (cluster.isEmpty()) {
            // Alone, no cluster state will ever come: the ipcache holds only what the agent derives itself.
            ipcache.tell(new IpCache.Reconcile(List.of(), ctx.getSystem().ignoreRef()));
        }
        // After the cluster: an endpoint's identity and its ipcache entries go through it.
        Optional<EndpointManager.Handle> endpoints;
        try {
            endpoints =
                    config.endpoints().podCidr().map(pool -> startEndpoints(ctx, config, h, ipcache, cluster, pool));
        } catch (RuntimeException e) {
            // A pod CIDR that is not the one the node's endpoints were given, a run directory that cannot be read.
            started.completeExceptionally(e);
            LOG.error("agent could not start its endpoints: {}", e.getMessage());
            return Behaviors.stopped();
        }
        AdminRoutes.Targets targets = local.with(cluster, endpoints);
        AdminRoutes routes = new AdminRoutes(ctx.getSystem(), config, targets);
        CompletableFuture<AdminListeners> bound = AdminListeners.start(
                        ctx.getSystem(),
                        config,
                        routes,
                        token,
                        ctx.getSystem().dispatchers().lookup(BLOCKING))
                .toCompletableFuture();
        ctx.pipeToSelf(bound, (listeners, t) -> listeners != null ? new ApiBound() : new StartFailed(unwrap(t)));
        return Behaviors.receive(Command.class)
                .onMessage(ApiBound.class, b -> {
                    AdminListeners l = bound.join(); // already complete: ApiBound comes only after the bind
                    LOG.info(
                            "admin API on unix socket {}; metrics and health on http://{}:{}{}",
                            l.socket().path(),
                            l.readOnlyAddress().getHostString(),
                            l.readOnlyAddress().getPort(),
                            l.tokenAddress()
                                    .map(a -> "; the full API with a bearer token on http://" + a.getHostString() + ":"
                                            + a.getPort())
                                    .orElse(""));
                    started.complete(l);
                    return Behaviors.receive(Command.class)
                            .onMessage(GetTargets.class, g -> {
                                g.replyTo().tell(targets);
                                return Behaviors.same();
                            })
                            .build();
                })
                .onMessage(StartFailed.class, f -> {
                    started.completeExceptionally(f.cause());
                    LOG.error("admin API could not start: {}", f.cause().getMessage());
                    return Behaviors.stopped();
                })
                .build();
    }

    /**
     * The endpoint manager, restarted with back-off if it fails (it restores its endpoints from the run directory
     * and the pins; each endpoint is supervised on its own below it). The template's headers are written here:
     * bpf_lxc is compiled once per configuration, the first time an endpoint needs it.
     */
    private static EndpointManager.Handle startEndpoints(
            ActorContext<Command> ctx,
            AgentConfig config,
            MapRegistry.Handles h,
            ActorRef<IpCache.Command> ipcache,
            Optional<ClusterHooks> cluster,
            Ipv4Prefix pool) {
        Path nodeHeaders = config.headerDir();
        ConfigHeaders.writeNode(nodeHeaders, h.specs(), config.nodeHeader());
        Path templateHeaders = nodeHeaders.resolve("endpoints");
        ConfigHeaders.write(templateHeaders, ConfigHeaders.ENDPOINT, ConfigHeaders.endpointTemplate(h.specs()));
        ObjectLoader loader = new ObjectLoader(new ObjectCache(config.objectCacheDir(), new Clang()), config.bpfDir());
        EndpointDatapath.Template template =
                new EndpointDatapath.Template(loader, List.of(templateHeaders, nodeHeaders), h.open(), h.pins());
        Ipam ipam = Ipam.open(pool, config.runDir().resolve("ipam"));
        KernelEndpointHost host =
                KernelEndpointHost.start(template, config.endpoints().netns(), ipam.gateway());
        IdentityAllocator identities =
                cluster.flatMap(ClusterHooks::identities).orElse(IdentityAllocator.reservedOnly());
        OwnIpEntries own = cluster.<OwnIpEntries>map(c -> c::publishOwnIps)
                .orElseGet(() ->
                        new LocalOwnEntries(ipcache, "local", ctx.getSystem().scheduler()));
        EndpointCounts counts = new EndpointCounts();
        Endpoint.Services services = new Endpoint.Services(
                host,
                identities,
                own,
                EndpointStore.at(config.runDir().resolve("endpoints")),
                counts,
                config.endpoints().interfaceCheck(),
                Duration.ofSeconds(1));
        ActorRef<EndpointManager.Command> ref = ctx.spawn(
                Behaviors.supervise(EndpointManager.create(new EndpointManager.Settings(
                                services, ipam, config.endpoints().readyTimeout())))
                        .onFailure(SupervisorStrategy.restartWithBackoff(
                                Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)),
                "endpoints",
                BLOCKING);
        return new EndpointManager.Handle(ref, counts);
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
