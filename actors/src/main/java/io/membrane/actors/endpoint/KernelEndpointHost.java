package io.membrane.actors.endpoint;

import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.EndpointDatapath;
import io.membrane.datapath.net.Devices;
import io.membrane.datapath.net.HostRoutes;
import io.membrane.datapath.net.Netns;
import io.membrane.datapath.structs.EndpointConfig;
import io.membrane.datapath.structs.EndpointInfo;
import io.membrane.datapath.structs.EndpointKey;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;

/**
 * The endpoints' host on this kernel: {@link EndpointDatapath} for programs, links and maps, {@link HostRoutes} for
 * the route to each endpoint and the gateway, all run by a few threads that sit in the devices' namespace. The
 * gateway is made when the first endpoint comes, so an agent without endpoints makes no device.
 */
public final class KernelEndpointHost implements EndpointHost {
    /**
     * More threads than CPUs: much of an endpoint's programming is waiting (an RCU grace period per tcx attach or
     * update, an ip(8) process for its route), and with two threads twenty endpoints created at once queued behind
     * each other's waits.
     */
    private static final int THREADS = 6;

    private final EndpointDatapath.Template template;
    private final HostRoutes routes;
    private final Netns.Workers workers;

    private final Ipv4Prefix gateway;
    /** Device lookups, on a thread of their own: never behind a load. */
    private final Netns.Workers lookups;

    private String templateKey;

    private KernelEndpointHost(
            EndpointDatapath.Template template,
            HostRoutes routes,
            Netns.Workers workers,
            Ipv4Prefix gateway,
            Optional<String> netns) {
        this.template = template;
        this.routes = routes;
        this.workers = workers;
        this.gateway = gateway;
        this.lookups = netns.map(n -> Netns.workers(n, 1)).orElseGet(() -> Netns.workersHere(1));
    }

    /**
     * @param netns the namespace of the host-side veths; empty: the agent's own
     * @param gateway the endpoints' gateway address, made on the gateway device by {@link #ensureGateway}
     */
    public static KernelEndpointHost start(
            EndpointDatapath.Template template, Optional<String> netns, Ipv4Prefix gateway) {
        HostRoutes routes = netns.map(HostRoutes::in).orElseGet(HostRoutes::here);
        Netns.Workers workers = netns.map(n -> Netns.workers(n, THREADS)).orElseGet(() -> Netns.workersHere(THREADS));
        return new KernelEndpointHost(template, routes, workers, gateway, netns);
    }

    @Override
    public <T> CompletionStage<T> run(Callable<T> work) {
        return workers.submit(work);
    }

    @Override
    public synchronized String templateKey() {
        // The headers are fixed for the agent's life: one hash of the sources, then the same answer.
        if (templateKey == null) {
            templateKey = EndpointDatapath.templateKey(template);
        }
        return templateKey;
    }

    @Override
    public void ensureGateway() {
        routes.ensureGateway(gateway);
    }

    @Override
    public CompletionStage<OptionalInt> ifindex(String name) {
        return lookups.submit(() -> Devices.ifindex(name));
    }

    @Override
    public Programmed program(EndpointConfig config, Ipv4Prefix ipv4, String device) {
        EndpointDatapath datapath = EndpointDatapath.program(template, config, ipv4);
        try {
            routes.addEndpointRoute(ipv4, device);
        } catch (RuntimeException e) {
            datapath.remove(ipv4);
            throw e;
        }
        return new Kernel(datapath, ipv4);
    }

    @Override
    public boolean pinned(int endpointId) {
        return Files.isDirectory(EndpointDatapath.linkDir(template.pins(), endpointId));
    }

    @Override
    public Programmed restore(EndpointConfig config, Ipv4Prefix ipv4, String device) {
        EndpointDatapath datapath = EndpointDatapath.restore(template, config);
        try {
            routes.addEndpointRoute(ipv4, device); // a route lost meanwhile comes back; one there is replaced
        } catch (RuntimeException e) {
            datapath.close();
            throw e;
        }
        return new Kernel(datapath, ipv4);
    }

    @Override
    public void removeLeftovers(int endpointId, Ipv4Prefix ipv4) {
        Path links = EndpointDatapath.linkDir(template.pins(), endpointId);
        if (Files.isDirectory(links)) {
            try (Stream<Path> pins = Files.list(links)) {
                // Unpinning a tcx link whose last handle goes detaches it.
                for (Path p : pins.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
                Files.deleteIfExists(links);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + links, e);
            }
        }
        DatapathMaps specs = template.shared().specs();
        template.pins().unpin(specs.policy(endpointId));
        BpfHashMap<EndpointKey, EndpointInfo> lxc = template.shared().get(DatapathMaps.LXC);
        EndpointKey key = new EndpointKey(IpcacheKey.FAMILY_IPV4, ipv4.addressBytes());
        lxc.lookup(key).filter(v -> v.endpointId() == endpointId).ifPresent(v -> lxc.delete(key));
        routes.removeEndpointRoute(ipv4);
    }

    @Override
    public void close() {
        workers.close();
        lookups.close();
    }

    private final class Kernel implements Programmed {
        private final EndpointDatapath datapath;
        private final Ipv4Prefix ipv4;

        Kernel(EndpointDatapath datapath, Ipv4Prefix ipv4) {
            this.datapath = datapath;
            this.ipv4 = ipv4;
        }

        @Override
        public void regenerate(EndpointConfig next) {
            datapath.regenerate(next);
        }

        @Override
        public String programKey() {
            return datapath.compiled().map(c -> c.key()).orElse("");
        }

        @Override
        public int attachedIfindex() {
            return datapath.attachedIfindex();
        }

        @Override
        public EndpointConfig config() {
            return datapath.config();
        }

        @Override
        public void remove() {
            datapath.remove(ipv4);
            routes.removeEndpointRoute(ipv4);
        }

        @Override
        public void close() {
            datapath.close();
        }
    }
}
