package io.membrane.actors.identity;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.EnumMap;
import java.util.Map;

/**
 * What an allocator reports on /metrics: {@code membrane_identity_allocations} (acquires, by outcome),
 * {@code membrane_identity_allocation_seconds} (their latency, a histogram) and {@code membrane_identities} (the
 * identities this node knows, by scope, counted at each scrape). The allocator records; the agent registers the
 * three in its own registry ({@link #register}).
 */
public final class IdentityMetrics {
    /** How an acquire ended. */
    public enum Outcome {
        /** A reserved label set, answered without asking anyone. */
        RESERVED("reserved"),
        /** A number was given (by the decider, or from this node's own holdings). */
        ALLOCATED("allocated"),
        /** No decider answered in time. */
        UNAVAILABLE("unavailable"),
        FAILED("failed");

        private final String label;

        Outcome(String label) {
            this.label = label;
        }
    }

    private final Counter allocations = Counter.builder()
            .name("membrane_identity_allocations")
            .help("Identity acquires on this node, by outcome.")
            .labelNames("outcome")
            .build();
    private final Histogram latency = Histogram.builder()
            .name("membrane_identity_allocation_seconds")
            .help("How long a non-reserved identity acquire took on this node, answer or failure.")
            .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .build();

    /** Records one acquire; {@code nanos} is ignored for reserved ones (they take no time worth a bucket). */
    public void answered(Outcome outcome, long nanos) {
        allocations.labelValues(outcome.label).inc();
        if (outcome != Outcome.RESERVED) {
            latency.observe(nanos / 1e9);
        }
    }

    /** Registers the counter, the histogram and the gauge of {@code allocator}'s identities by scope. */
    public void register(PrometheusRegistry registry, IdentityAllocator allocator) {
        registry.register(allocations);
        registry.register(latency);
        registry.register(() -> {
            Map<IdentityScope, Integer> byScope = new EnumMap<>(IdentityScope.class);
            for (IdentityScope s : IdentityScope.values()) {
                byScope.put(s, 0);
            }
            allocator.all().forEach(u -> byScope.merge(u.identity().scope(), 1, Integer::sum));
            GaugeSnapshot.Builder gauge = GaugeSnapshot.builder()
                    .name("membrane_identities")
                    .help("Identities this node knows (reserved, and the cluster table as this node holds it), by"
                            + " scope.");
            byScope.forEach((scope, n) -> gauge.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                    .labels(Labels.of("scope", scope.text()))
                    .value(n)
                    .build()));
            return gauge.build();
        });
    }
}
