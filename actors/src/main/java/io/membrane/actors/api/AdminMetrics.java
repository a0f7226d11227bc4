package io.membrane.actors.api;

import io.membrane.actors.endpoint.EndpointCounts;
import io.membrane.actors.identity.IdentityAllocator;
import io.membrane.actors.identity.IdentityMetrics;
import io.membrane.actors.ipcache.IpCache;
import io.membrane.actors.ipcache.IpCacheEntry;
import io.membrane.actors.monitor.EventPumpActor;
import io.membrane.datapath.structs.DropReason;
import io.membrane.datapath.structs.MetricsKey;
import io.membrane.datapath.structs.MetricsValue;
import io.membrane.maps.PerCpuArrayMap;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What GET /metrics serves, through the Prometheus Java client: the datapath's counters read from the metrics
 * map at each scrape, the event pump's counters, the ipcache's entries and conflicts, the API's own request count and the JVM's metrics. One registry
 * per agent (not the client's default one), so agents sharing a JVM in tests each count only their own.
 */
final class AdminMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests;

    AdminMetrics(PerCpuArrayMap<MetricsValue> datapath, EventPumpActor.Current events, IpCache.Current ipcache) {
        JvmMetrics.builder().register(registry);
        requests = Counter.builder()
                .name("membrane_api_requests")
                .help("Admin API requests, by method, path and status code.")
                .labelNames("method", "path", "code")
                .register(registry);
        registry.register((MultiCollector) () -> collect(datapath, events));
        registry.register((MultiCollector) () -> ipcache(ipcache.counts()));
    }

    /** Adds the identity allocator's counter, histogram and gauge (a clustered agent's). */
    void identities(IdentityMetrics identityMetrics, IdentityAllocator allocator) {
        identityMetrics.register(registry, allocator);
    }

    /** Adds the endpoints by state, and how often each state was entered (a node with a pod CIDR). */
    void endpoints(EndpointCounts counts) {
        registry.register((MultiCollector) () -> endpointSnapshots(counts));
    }

    private static MetricSnapshots endpointSnapshots(EndpointCounts counts) {
        GaugeSnapshot.Builder now =
                GaugeSnapshot.builder().name("membrane_endpoints").help("Endpoints of this node, by lifecycle state.");
        counts.byState()
                .forEach((state, n) -> now.dataPoint(GaugeDataPointSnapshot.builder()
                        .labels(Labels.of("state", state.text()))
                        .value(n)
                        .build()));
        CounterSnapshot.Builder entered = CounterSnapshot.builder()
                .name("membrane_endpoint_state_transitions")
                .help("Times an endpoint entered each lifecycle state since the agent started.");
        counts.transitions()
                .forEach((state, n) -> entered.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                        .labels(Labels.of("state", state.text()))
                        .value(n)
                        .build()));
        return new MetricSnapshots(now.build(), entered.build());
    }

    /** Counts one answered request; {@code path} is the route's template, so a map name adds no series. */
    void countRequest(String method, String path, int status) {
        requests.labelValues(method, path, String.valueOf(status)).inc();
    }

    String contentType() {
        return writer.getContentType();
    }

    /** The text exposition of everything registered; reads the metrics map, so it blocks briefly. */
    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16_384);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the metrics", e);
        }
        return out.toByteArray();
    }

    private static MetricSnapshots collect(PerCpuArrayMap<MetricsValue> datapath, EventPumpActor.Current events) {
        Map<MetricsKey, MetricsValue> used = new TreeMap<>(Comparator.comparingInt(MetricsKey::index));
        datapath.entries().forEach((slot, perCpu) -> {
            MetricsValue sum = MetricsValue.sum(perCpu);
            if (sum.packets() != 0) {
                used.put(MetricsKey.ofIndex(slot), sum);
            }
        });
        CounterSnapshot.Builder dropCount =
                counter("membrane_drop_count", "Packets dropped by the datapath, by reason and direction.");
        CounterSnapshot.Builder dropBytes =
                counter("membrane_drop_bytes", "Bytes dropped by the datapath, by reason and direction.");
        CounterSnapshot.Builder forwardCount =
                counter("membrane_forward_count", "Packets forwarded by the datapath, by direction.");
        CounterSnapshot.Builder forwardBytes =
                counter("membrane_forward_bytes", "Bytes forwarded by the datapath, by direction.");
        used.forEach((k, v) -> {
            if (k.reason().isDrop()) {
                Labels labels = Labels.of(
                        "reason", reasonLabel(k), "direction", k.direction().label());
                dropCount.dataPoint(point(labels, v.packets()));
                dropBytes.dataPoint(point(labels, v.bytes()));
            } else {
                Labels labels = Labels.of("direction", k.direction().label());
                forwardCount.dataPoint(point(labels, v.packets()));
                forwardBytes.dataPoint(point(labels, v.bytes()));
            }
        });
        CounterSnapshot.Builder pump = counter("membrane_events", "Event pump counters.");
        events.counters().forEach((name, value) -> {
            if (value instanceof Number n) {
                pump.dataPoint(point(Labels.of("counter", name), n.longValue()));
            }
        });
        List<CounterSnapshot> all = new ArrayList<>(List.of(
                dropCount.build(), dropBytes.build(), forwardCount.build(), forwardBytes.build(), pump.build()));
        return new MetricSnapshots(all.toArray(CounterSnapshot[]::new));
    }

    /** The ipcache's entries by source (every source, 0 included, so the series stay) and its conflicts. */
    private static MetricSnapshots ipcache(IpCache.Counts counts) {
        GaugeSnapshot.Builder entries = GaugeSnapshot.builder()
                .name("membrane_ipcache_entries")
                .help("Entries of the ipcache map, by the source of the claim that won.");
        for (IpCacheEntry.Source source : IpCacheEntry.Source.values()) {
            entries.dataPoint(GaugeDataPointSnapshot.builder()
                    .labels(Labels.of("source", source.text()))
                    .value(counts.bySource().getOrDefault(source, 0))
                    .build());
        }
        GaugeSnapshot conflicts = GaugeSnapshot.builder()
                .name("membrane_ipcache_conflicts")
                .help("CIDRs that more than one claim names (each resolved by the same rule on every node).")
                .dataPoint(GaugeDataPointSnapshot.builder()
                        .value(counts.conflicts())
                        .build())
                .build();
        return new MetricSnapshots(entries.build(), conflicts);
    }

    private static String reasonLabel(MetricsKey k) {
        return k.reason() == DropReason.UNKNOWN
                ? "code_" + k.reasonCode()
                : k.reason().label();
    }

    private static CounterSnapshot.Builder counter(String name, String help) {
        return CounterSnapshot.builder().name(name).help(help);
    }

    private static CounterDataPointSnapshot point(Labels labels, long value) {
        return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
    }
}
