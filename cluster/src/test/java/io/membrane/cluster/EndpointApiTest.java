package io.membrane.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.AgentNode;
import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.model.EndpointModel;
import io.membrane.actors.api.model.IpEntry;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.EndpointDatapath;
import io.membrane.datapath.Tcx;
import io.membrane.datapath.net.Devices;
import io.membrane.datapath.net.Netns;
import io.membrane.datapath.structs.EndpointInfo;
import io.membrane.datapath.structs.EndpointKey;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.KernelTest;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.topology.Namespaces;
import io.membrane.topology.Ping;
import io.membrane.topology.Workload;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Endpoints through the admin API of a real clustered agent (the single-node default: a cluster of its own, so
 * identities come from its decider and ipcache entries are published as the node's own): two workloads on veths
 * in a node namespace the test makes, created, listed, relabelled, restored after a restart of the agent with
 * traffic flowing while it is down, and deleted, the kernel read back at every step.
 */
@Tag("kernel")
class EndpointApiTest {
    private static final String A_IP = "10.65.0.10";
    private static final String B_IP = "10.65.0.11";

    private final String id = UUID.randomUUID().toString().substring(0, 6);
    private final String nodeNs = "mbr-epapi-" + id;
    private PinnedMaps pins;
    private Path runDir;
    private AgentNode node;
    private Workload a;
    private Workload b;

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        for (Workload w : new Workload[] {a, b}) {
            if (w != null) {
                w.delete();
            }
        }
        Namespaces.delete(nodeNs);
        if (pins != null) {
            pins.removeAll();
        }
        if (runDir != null) {
            ClusterTestSupport.deleteTree(runDir);
        }
    }

    private AgentNode start() throws Exception {
        String endpoints = "membrane.endpoints { pod-cidr = \"10.65.0.0/24\", netns = \"" + nodeNs
                + "\", interface-check = 200ms }\n";
        return ClusterNode.start(ClusterTestSupport.nodeConfig(pins.root(), runDir, "solo", 0, endpoints));
    }

    private static String put(String device, String address, String labels) {
        return "{\"interface-name\": \"" + device + "\", \"addressing\": {\"ipv4\": \"" + address + "\"}, \"labels\": "
                + labels + ", \"sync\": true}";
    }

    @Test
    void endpointsThroughTheApiAreProgrammedRelabelledRestoredAndDeleted() throws Exception {
        KernelTest.assumeKernel();
        pins = PinnedMaps.at(Path.of("/sys/fs/bpf", "mbr-test-epapi-" + id));
        runDir = Files.createTempDirectory("mbr-epapi");
        Namespaces.create(nodeNs);
        Namespaces.exec(nodeNs, "sysctl", "-qw", "net.ipv4.ip_forward=1").orThrow();
        a = Workload.create(nodeNs, nodeNs + "-a", "lxa" + id, A_IP, "10.65.0.1");
        b = Workload.create(nodeNs, nodeNs + "-b", "lxb" + id, B_IP, "10.65.0.1");
        node = start();
        AdminClient api = ClusterTestSupport.api(node);

        ClusterTestSupport.Response created =
                ClusterTestSupport.request(node, "PUT", "/v1/endpoint/21", put(a.hostDevice(), A_IP, "[\"app=web\"]"));
        assertEquals(201, created.status(), created.body());
        EndpointModel web = created.as(EndpointModel.class);
        assertEquals("ready", web.state());
        assertTrue(web.identity() >= 256, "a cluster identity: " + web.identity());
        assertEquals(List.of("user:app=web"), web.labels());
        assertEquals(new EndpointModel.Policy(0, 0, "disabled", "disabled"), web.policy());
        assertEquals("OK", web.health().overall());
        EndpointModel db = ClusterTestSupport.request(
                        node, "PUT", "/v1/endpoint/22", put(b.hostDevice(), B_IP, "[\"app=db\"]"))
                .as(EndpointModel.class);
        assertEquals("ready", db.state());

        // The kernel: both links on each host-side veth, the lxc entries, the ipcache entries with the identities.
        assertAttached(21, a);
        assertAttached(22, b);
        assertEquals(21, lxc(A_IP).orElseThrow().endpointId());
        await("the ipcache entries published and mirrored")
                .atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> {
                    assertEquals(web.identity(), pinnedIdentity(A_IP));
                    IpEntry listed = api.ips(A_IP + "/32").get(0);
                    assertEquals("endpoint", listed.source());
                    assertEquals(web.identity(), listed.identity());
                });

        assertEquals(
                List.of(21, 22),
                api.endpoints("").stream().map(EndpointModel::id).toList());
        assertEquals(
                List.of(22),
                api.endpoints("app=db").stream().map(EndpointModel::id).toList());
        assertEquals(2, api.status().endpoints().get("ready"));
        String metrics = api.metrics();
        assertTrue(metrics.contains("membrane_endpoints{state=\"ready\"} 2.0"), metrics);
        assertTrue(metrics.contains("membrane_endpoint_state_transitions_total{state=\"regenerating\"} 2.0"), metrics);
        tcpEcho(a, b);

        // Bad input: refused naming the field, nothing changes.
        long lxcBefore = lxcCount();
        for (String[] bad : new String[][] {
            {"/v1/endpoint/21", put(a.hostDevice(), A_IP, "[]"), "409", "id"},
            {"/v1/endpoint/23", put("nosuch" + id, "10.65.0.12", "[]"), "400", "interface-name"},
            {"/v1/endpoint/23", "{\"interface-name\": \"x\", \"colour\": 1}", "400", "colour"},
            {"/v1/endpoint/0", put(a.hostDevice(), A_IP, "[]"), "400", "id"},
            {"/v1/endpoint/23", put(a.hostDevice(), "10.65.0.12", "[]"), "409", "interface-name"},
        }) {
            ClusterTestSupport.Response r = ClusterTestSupport.request(node, "PUT", bad[0], bad[1]);
            assertEquals(Integer.parseInt(bad[2]), r.status(), bad[1] + " → " + r.body());
            assertTrue(r.body().contains("\"field\" : \"" + bad[3] + "\""), r.body());
        }
        assertEquals(lxcBefore, lxcCount());

        // A label change: a new identity, the entry republished, the old identity's use dropped.
        EndpointModel relabelled = api.setEndpointLabels(21, List.of("app=web", "tier=front"));
        assertEquals("ready", relabelled.state());
        assertNotEquals(web.identity(), relabelled.identity());
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertEquals(relabelled.identity(), pinnedIdentity(A_IP)));
        assertTrue(api.endpointLog(21).stream().anyMatch(e -> e.message().contains("labels changed")));

        // A restart of the agent: the links stay attached, traffic flows while it is down, the endpoints come back.
        node.close();
        node = null;
        assertEquals(3, Ping.from(a.namespace(), B_IP, 3), "agent down, traffic flows");
        node = start();
        AdminClient again = ClusterTestSupport.api(node);
        await("both endpoints restored").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            EndpointModel e = again.endpoint(21);
            assertEquals("ready", e.state());
            assertEquals(relabelled.identity(), e.identity(), "the same identity");
            assertEquals("ready", again.endpoint(22).state());
        });
        assertEquals("restoring", again.endpointLog(21).get(0).state());
        tcpEcho(a, b);

        // Delete: nothing of it is left in the kernel, the ipcache or the run directory; a second delete is a 404.
        assertEquals(21, again.deleteEndpoint(21).id());
        assertTrue(lxc(A_IP).isEmpty());
        assertFalse(Files.exists(EndpointDatapath.linkDir(pins, 21)));
        assertFalse(Files.exists(runDir.resolve("endpoints").resolve("21")));
        await().atMost(Duration.ofSeconds(10)).until(() -> pinnedIdentity(A_IP) == -1);
        assertEquals(
                404,
                ClusterTestSupport.request(node, "DELETE", "/v1/endpoint/21", null)
                        .status());
        assertEquals(0, Ping.from(a.namespace(), B_IP, 1), "no route to a deleted endpoint");
    }

    private void assertAttached(int endpointId, Workload w) {
        int ifindex = Netns.call(nodeNs, () -> Devices.require(w.hostDevice()));
        Path dir = EndpointDatapath.linkDir(pins, endpointId);
        try (Tcx from = Tcx.pinned(dir.resolve("from_container"));
                Tcx to = Tcx.pinned(dir.resolve("to_container"))) {
            assertEquals(ifindex, from.info().ifindex());
            assertEquals(Optional.of(Tcx.Hook.INGRESS), from.info().hook());
            assertEquals(ifindex, to.info().ifindex());
            assertEquals(Optional.of(Tcx.Hook.EGRESS), to.info().hook());
        }
    }

    private Optional<EndpointInfo> lxc(String address) {
        BpfHashMap<EndpointKey, EndpointInfo> lxc =
                node != null ? node.targets().maps().get(DatapathMaps.LXC) : null;
        return lxc.lookup(
                new EndpointKey(IpcacheKey.FAMILY_IPV4, Ipv4Prefix.host(address).addressBytes()));
    }

    private long lxcCount() {
        return node.targets().maps().get(DatapathMaps.LXC).keys().size();
    }

    /** The identity the pinned ipcache maps {@code address}/32 to exactly, -1 for none. */
    private long pinnedIdentity(String address) {
        IpcacheValue v = node.targets().maps().ipcache().entries().get(IpcacheKey.of(Ipv4Prefix.host(address)));
        return v == null ? -1 : Integer.toUnsignedLong(v.identity());
    }

    /** A TCP connection from workload {@code from} to {@code to}, 100 round trips of 8 bytes. */
    private static void tcpEcho(Workload from, Workload to) throws Exception {
        try (ServerSocket server = Netns.call(to.namespace(), () -> {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(to.address(), 0));
            return s;
        })) {
            Thread echo = new Thread(() -> {
                try (Socket c = server.accept()) {
                    c.getInputStream().transferTo(c.getOutputStream());
                } catch (Exception e) {
                    // the client's assertions report it
                }
            });
            echo.start();
            Netns.call(from.namespace(), () -> {
                try (Socket c = new Socket()) {
                    c.connect(new InetSocketAddress(to.address(), server.getLocalPort()), 3000);
                    c.setSoTimeout(3000);
                    DataOutputStream out = new DataOutputStream(c.getOutputStream());
                    DataInputStream in = new DataInputStream(c.getInputStream());
                    for (long i = 0; i < 100; i++) {
                        out.writeLong(i);
                        assertEquals(i, in.readLong());
                    }
                }
                return null;
            });
            echo.join(3000);
        }
    }
}
