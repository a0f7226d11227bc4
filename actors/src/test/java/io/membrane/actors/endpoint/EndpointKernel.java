package io.membrane.actors.endpoint;

import io.membrane.actors.TestAgents;
import io.membrane.actors.identity.Identity;
import io.membrane.actors.identity.IdentityAllocator;
import io.membrane.actors.identity.LabelSet;
import io.membrane.actors.ipcache.IpCache;
import io.membrane.datapath.Clang;
import io.membrane.datapath.ConfigHeaders;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.EndpointDatapath;
import io.membrane.datapath.ObjectCache;
import io.membrane.datapath.ObjectLoader;
import io.membrane.datapath.OpenMaps;
import io.membrane.datapath.net.Devices;
import io.membrane.datapath.net.Netns;
import io.membrane.datapath.structs.EndpointInfo;
import io.membrane.datapath.structs.EndpointKey;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Cidr;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.topology.Namespaces;
import io.membrane.topology.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node namespace with workloads, a pin root, and the endpoint services the manager needs, on the real kernel:
 * the template compiled once, a {@link KernelEndpointHost} in the node namespace, an in-memory identity allocator
 * that records uses, and an ipcache publisher that records what it was given. {@link #close} removes all of it.
 */
final class EndpointKernel implements AutoCloseable {
    static final Ipv4Prefix POOL = Ipv4Prefix.parse("10.62.0.0/24");
    static final Ipv4Prefix GATEWAY = Ipv4Prefix.host("10.62.0.1");

    final String id = UUID.randomUUID().toString().substring(0, 6);
    final String node = "mbr-epm-" + id;
    final PinnedMaps pins;
    final OpenMaps shared;
    final EndpointDatapath.Template template;
    final Identities identities = new Identities();
    final Map<Cidr, Integer> published = new ConcurrentHashMap<>();
    final Path runDir;
    private final List<Workload> workloads = new ArrayList<>();
    private KernelEndpointHost host;

    EndpointKernel(Path tmp) throws Exception {
        this.runDir = Files.createDirectories(tmp.resolve("run"));
        Namespaces.create(node);
        pins = TestAgents.freshPins("ep");
        DatapathMaps maps = new DatapathMaps(new DatapathMaps.Sizes(1_024, 1_024, 1_024, 256, 1_024, 1_024, 256));
        shared = OpenMaps.openOrCreate(pins, maps, DatapathMaps.Source.BPF_LXC);
        Path nodeHeaders = Files.createDirectories(tmp.resolve("node"));
        ConfigHeaders.writeNode(nodeHeaders, maps, ConfigHeaders.Node.DEFAULT);
        Path epHeaders = tmp.resolve("endpoints");
        ConfigHeaders.write(epHeaders, ConfigHeaders.ENDPOINT, ConfigHeaders.endpointTemplate(maps));
        ObjectLoader loader = new ObjectLoader(new ObjectCache(tmp.resolve("cache"), new Clang()), TestAgents.BPF_DIR);
        template = new EndpointDatapath.Template(loader, List.of(epHeaders, nodeHeaders), shared, pins);
    }

    /** The host, made once (its gateway with it). */
    KernelEndpointHost host() {
        if (host == null) {
            host = KernelEndpointHost.start(template, Optional.of(node), GATEWAY);
        }
        return host;
    }

    /** A routed workload {@code name} with {@code address}, its host side {@code lx<name><id>}. */
    Workload workload(String name, String address) {
        Workload w = Workload.create(node, node + "-" + name, "lx" + name + id, address, GATEWAY.addressText());
        workloads.add(w);
        return w;
    }

    Endpoint.Services services(EndpointHost host) {
        return new Endpoint.Services(
                host,
                identities,
                this::publish,
                EndpointStore.at(runDir.resolve("endpoints")),
                new EndpointCounts(),
                Duration.ofMillis(200),
                Duration.ofMillis(200));
    }

    Ipam ipam() {
        return Ipam.open(POOL, runDir.resolve("ipam"));
    }

    int ifindex(Workload w) {
        return Netns.call(node, () -> Devices.require(w.hostDevice()));
    }

    Optional<EndpointInfo> lxc(String address) {
        BpfHashMap<EndpointKey, EndpointInfo> lxc = shared.get(DatapathMaps.LXC);
        return lxc.lookup(
                new EndpointKey(IpcacheKey.FAMILY_IPV4, Ipv4Prefix.host(address).addressBytes()));
    }

    Path linkDir(int endpointId) {
        return EndpointDatapath.linkDir(pins, endpointId);
    }

    private CompletionStage<IpCache.Result> publish(Map<Cidr, Integer> entries, Set<Cidr> withdrawn) {
        published.putAll(entries);
        withdrawn.forEach(published::remove);
        return CompletableFuture.completedStage(new IpCache.Applied(entries.size() + withdrawn.size()));
    }

    @Override
    public void close() {
        if (host != null) {
            host.close();
        }
        workloads.forEach(Workload::delete);
        Namespaces.delete(node);
        shared.close();
        pins.removeAll();
    }

    /** Numbers from 1000 up by label set; uses recorded by holder, as the cluster's allocator keeps them. */
    static final class Identities implements IdentityAllocator {
        private final Map<LabelSet, Integer> numbers = new HashMap<>();
        final Map<Integer, Set<String>> uses = new ConcurrentHashMap<>();

        @Override
        public synchronized CompletionStage<Identity> acquire(LabelSet labels, String holder) {
            int id = numbers.computeIfAbsent(labels, l -> 1000 + numbers.size());
            uses.computeIfAbsent(id, i -> ConcurrentHashMap.newKeySet()).add(holder);
            return CompletableFuture.completedStage(new Identity(id, labels));
        }

        @Override
        public synchronized void release(int id, String holder) {
            Set<String> holders = uses.get(id);
            if (holders != null) {
                holders.remove(holder);
                if (holders.isEmpty()) {
                    uses.remove(id);
                }
            }
        }

        @Override
        public synchronized Optional<Identity> byId(int id) {
            return numbers.entrySet().stream()
                    .filter(e -> e.getValue() == id)
                    .map(e -> new Identity(id, e.getKey()))
                    .findFirst();
        }

        @Override
        public synchronized Optional<Identity> byLabels(LabelSet labels) {
            return Optional.ofNullable(numbers.get(labels)).map(n -> new Identity(n, labels));
        }

        @Override
        public List<IdentityUse> all() {
            return List.of();
        }
    }
}
