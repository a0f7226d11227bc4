package io.membrane.cluster;

import static io.membrane.cluster.ClusterTestSupport.api;
import static io.membrane.cluster.ClusterTestSupport.cluster;
import static io.membrane.cluster.ClusterTestSupport.prefilter;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.AgentNode;
import io.membrane.actors.api.model.ClusterStatus;
import io.membrane.actors.api.model.PrefilterChanged;
import io.membrane.actors.api.model.PrefilterState;
import io.membrane.cluster.ClusterTestSupport.Response;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.KernelTest;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three clustered agents in one JVM on loopback, each with its own pinned maps: a cluster-scoped CIDR added
 * through one node's API lands in every node's maps and is removed from all through another; a node-scoped
 * entry stays on its node; the registry and membership show three nodes. (The multi-process lab tests with
 * namespaces and kill -9 come with `bin/membrane lab`; the transport over TLS is TlsClusterTest.)
 */
@Tag("kernel")
class ClusterReplicationTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private ThreeNodes three;
    private List<AgentNode> nodes;

    @BeforeEach
    void start() throws Exception {
        KernelTest.assumeKernel();
        three = ThreeNodes.start("cl", i -> "", WAIT);
        nodes = three.nodes;
    }

    @AfterEach
    void stop() throws IOException {
        if (three != null) {
            three.close();
        }
    }

    @Test
    void clusterScopedEntriesReachEveryNodesMapsAndNodeScopedStayHome() throws Exception {
        Ipv4Prefix cidr = Ipv4Prefix.parse("203.0.113.0/24");
        Response add = prefilter(nodes.get(0), "PATCH", "{\"deny\": [\"203.0.113.0/24\"], \"scope\": \"cluster\"}");
        assertEquals(200, add.status(), add.body());
        assertEquals(1, add.as(PrefilterChanged.class).changed(), add.body());
        Response again = prefilter(nodes.get(0), "PATCH", "{\"deny\": [\"203.0.113.0/24\"], \"scope\": \"cluster\"}");
        assertEquals(0, again.as(PrefilterChanged.class).changed(), "already replicated: " + again.body());
        // Enforced on the node that answered, and soon on every other.
        assertTrue(nodes.get(0).targets().maps().cidr4Dyn().lookup(cidr).isPresent());
        for (AgentNode n : nodes) {
            await("203.0.113.0/24 cluster-scoped in the maps of " + n.apiBase())
                    .atMost(WAIT)
                    .until(() -> n.targets().maps().cidr4Dyn().lookup(cidr), f -> f.map(PrefilterFlag::clusterScoped)
                            .orElse(false));
        }
        PrefilterState get = api(nodes.get(2)).prefilter();
        assertEquals(List.of("cluster"), get.entries().get(0).scope(), get.toString());

        Response local = prefilter(nodes.get(1), "PATCH", "{\"deny\": [\"198.51.100.7\"]}");
        assertEquals(200, local.status(), local.body());
        // failFast looks at every poll of the half second; the condition itself only has to last it out.
        await("the node-scoped entry kept on its node")
                .during(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(5))
                .failFast("a node-scoped entry left its node", () -> {
                    for (AgentNode other : List.of(nodes.get(0), nodes.get(2))) {
                        assertTrue(
                                other.targets()
                                        .maps()
                                        .cidr4Fix()
                                        .lookup(Ipv4Prefix.host("198.51.100.7"))
                                        .isEmpty(),
                                "198.51.100.7 in the maps of " + other.apiBase());
                    }
                })
                .until(() -> true);
        assertTrue(nodes.get(1)
                .targets()
                .maps()
                .cidr4Fix()
                .lookup(Ipv4Prefix.host("198.51.100.7"))
                .isPresent());

        Response del = prefilter(nodes.get(1), "DELETE", "{\"deny\": [\"203.0.113.0/24\"], \"scope\": \"cluster\"}");
        assertEquals(200, del.status(), del.body());
        for (AgentNode n : nodes) {
            await("203.0.113.0/24 gone from " + n.apiBase())
                    .atMost(WAIT)
                    .until(() -> n.targets().maps().cidr4Dyn().lookup(cidr), Optional::isEmpty);
        }

        ClusterStatus cluster = cluster(nodes.get(0));
        assertEquals(3, cluster.members().size(), cluster.toString());
        await("three nodes in n1's registry").atMost(WAIT).until(() -> registrySize(nodes.get(0)), size -> size == 3);
    }

    @Test
    void removingWhatTheClusterDoesNotHoldIsNotFound() throws Exception {
        Response r = prefilter(nodes.get(0), "DELETE", "{\"deny\": [\"10.66.0.0/16\"], \"scope\": \"cluster\"}");
        assertEquals(404, r.status(), r.body());
        assertTrue(r.body().contains("not in the cluster-scoped deny list"), r.body());
    }

    private static int registrySize(AgentNode node) {
        ClusterStatus c = cluster(node);
        return c == null ? 0 : c.registry().size();
    }
}
