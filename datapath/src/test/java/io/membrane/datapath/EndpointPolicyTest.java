package io.membrane.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.datapath.net.Devices;
import io.membrane.datapath.net.Netns;
import io.membrane.datapath.structs.Direction;
import io.membrane.datapath.structs.DropReason;
import io.membrane.datapath.structs.EndpointConfig;
import io.membrane.datapath.structs.EndpointInfo;
import io.membrane.datapath.structs.EndpointKey;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.datapath.structs.Notification;
import io.membrane.datapath.structs.PolicyEntry;
import io.membrane.datapath.structs.PolicyKey;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.KernelTest;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.PerfEventArrayMap;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.topology.EndpointLab;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Endpoint policy on real veths: endpoints A and B behind a node bridge, each with bpf_lxc on its host-side
 * veth. B is default-deny on ingress with one allow entry, A→B TCP 8080: a connection to 8080 carries data
 * both ways, 9090 and ICMP are dropped with POLICY_DENIED notifications naming both identities, and deleting
 * the allow entry stops new connections. Each endpoint is programmed as the agent programs it ({@link
 * EndpointDatapath}: one compile of the template, tcx links pinned): replacing B's copy under traffic loses
 * nothing, its programs outlive the agent's handles and are restored, and a removed endpoint leaves nothing.
 */
@Tag("kernel")
class EndpointPolicyTest {
    static final String A_IP = "10.78.0.11";
    static final String B_IP = "10.78.0.12";
    static final int A_ID = 11;
    static final int B_ID = 12;
    static final int A_IDENTITY = 1001;
    static final int B_IDENTITY = 1002;

    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @TempDir
    Path tmp;

    private final List<Notification> notifications = new CopyOnWriteArrayList<>();
    private final List<ServerSocket> servers = new ArrayList<>();
    private EndpointLab lab;
    private EndpointLab.Endpoint a;
    private EndpointLab.Endpoint b;
    private PerfEventReader reader;
    private BpfHashMap<PolicyKey, PolicyEntry> policyB;
    private OpenMaps shared;
    private EndpointDatapath.Template template;
    private EndpointConfig configB;
    private EndpointDatapath datapathA;
    private EndpointDatapath datapathB;

    @BeforeEach
    void setUp() throws Exception {
        DatapathMaps maps = PrefilterDropTest.smallMaps();
        shared = OpenMaps.openOrCreate(kernel.pins(), maps, DatapathMaps.Source.BPF_LXC);
        PerfEventArrayMap events = shared.get(DatapathMaps.EVENTS);
        LpmTrieMap<IpcacheKey, IpcacheValue> ipcache = shared.get(DatapathMaps.IPCACHE);
        ipcache.put(IpcacheKey.of(Ipv4Prefix.host(A_IP)), new IpcacheValue(A_IDENTITY, 0));
        ipcache.put(IpcacheKey.of(Ipv4Prefix.host(B_IP)), new IpcacheValue(B_IDENTITY, 0));

        lab = EndpointLab.create("mbrep");
        a = lab.addEndpoint("a", A_IP);
        b = lab.addEndpoint("b", B_IP);

        Path nodeHeaders = Files.createDirectories(tmp.resolve("node"));
        // Per-flow packet counts in the CT entries: what shows that a replacement left no moment unfiltered.
        ConfigHeaders.Node node = ConfigHeaders.Node.DEFAULT;
        ConfigHeaders.writeNode(
                nodeHeaders,
                maps,
                new ConfigHeaders.Node(
                        node.ipv4(), node.enableIpv4(), node.enableIpv6(), node.prefilterNotifyBudget(), true));
        ObjectLoader loader =
                new ObjectLoader(new ObjectCache(tmp.resolve("cache"), new Clang()), PrefilterDropTest.BPF_DIR);
        // One template header for both endpoints: one compile, each copy loaded with its own constants and map.
        Path epHeaders = tmp.resolve("endpoints");
        ConfigHeaders.write(epHeaders, ConfigHeaders.ENDPOINT, ConfigHeaders.endpointTemplate(maps));
        template = new EndpointDatapath.Template(loader, List.of(epHeaders, nodeHeaders), shared, kernel.pins());
        datapathA = program(a, A_ID, A_IP, A_IDENTITY);
        configB = new EndpointConfig(
                B_ID, ifindexOf(b), B_IDENTITY, Ipv4Prefix.host(B_IP).address(), Optional.empty());
        datapathB = Netns.call(
                lab.nodeNamespace(), () -> EndpointDatapath.program(template, configB, Ipv4Prefix.host(B_IP)));
        // Programmed, both allow everything; B's ingress becomes default-deny except TCP 8080 from A.
        policyB = datapathB.policy();
        policyB.delete(new PolicyKey(0, 0, 0, Direction.INGRESS));
        policyB.put(new PolicyKey(A_IDENTITY, 8080, PolicyKey.TCP, Direction.INGRESS), PolicyEntry.ALLOW);
        reader = new PerfEventReader(events, 8, new PerfEventReader.Listener() {
            @Override
            public void onSample(int cpu, byte[] data) {
                notifications.add(Notification.decode(data));
            }

            @Override
            public void onLost(int cpu, long count) {}
        });
        startEchoServer(8080);
        startEchoServer(9090);
    }

    @AfterEach
    void tearDown() throws IOException {
        for (ServerSocket s : servers) {
            s.close();
        }
        if (lab != null) {
            lab.close();
        }
        if (reader != null) {
            reader.close();
        }
        for (EndpointDatapath d : new EndpointDatapath[] {datapathA, datapathB}) {
            if (d != null) {
                d.close();
            }
        }
        if (shared != null) {
            shared.close();
        }
    }

    private int ifindexOf(EndpointLab.Endpoint e) {
        return Netns.call(lab.nodeNamespace(), () -> Devices.require(e.hostDevice()));
    }

    private EndpointDatapath program(EndpointLab.Endpoint e, int id, String ip, int identity) {
        EndpointConfig config = new EndpointConfig(
                id, ifindexOf(e), identity, Ipv4Prefix.host(ip).address(), Optional.empty());
        return Netns.call(lab.nodeNamespace(), () -> EndpointDatapath.program(template, config, Ipv4Prefix.host(ip)));
    }

    /** An echo server on B:port, its socket opened inside B's namespace. */
    private void startEchoServer(int port) {
        ServerSocket server = Netns.call(b.namespace(), () -> {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(B_IP, port));
            return s;
        });
        servers.add(server);
        Thread t = new Thread(
                () -> {
                    while (!server.isClosed()) {
                        try (Socket c = server.accept();
                                BufferedReader in = new BufferedReader(
                                        new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
                                PrintWriter out = new PrintWriter(c.getOutputStream(), true, StandardCharsets.UTF_8)) {
                            for (String line = in.readLine(); line != null; line = in.readLine()) {
                                out.println("echo " + line + " from " + port);
                            }
                        } catch (IOException e) {
                            // closed at tear-down, or the client went away
                        }
                    }
                },
                "echo-" + port);
        t.setDaemon(true);
        t.start();
    }

    /** Connects from A's namespace to B:port, sends a line and returns the reply. */
    private String talk(int port, String line) {
        return Netns.call(a.namespace(), () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(B_IP, port), 1_000);
                s.setSoTimeout(2_000);
                PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
                out.println(line);
                return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            }
        });
    }

    /**
     * Drops of A→B traffic. Link-local IPv6 multicast the bridge floods (MLD reports from fe80::) is dropped
     * too, from WORLD, which is right but not what these tests look at.
     */
    private List<Notification.Drop> drops() {
        for (int i = 0; i < 5; i++) {
            reader.poll(50);
        }
        return notifications.stream()
                .filter(n -> n instanceof Notification.Drop)
                .map(n -> (Notification.Drop) n)
                .filter(d -> d.flow().isPresent()
                        && d.flow().get().source().getHostAddress().equals(A_IP))
                .toList();
    }

    @Test
    void oneCompileServesBothEndpointsEachWithItsOwnIdentity() {
        List<ObjectCache.Compiled> compiles =
                List.of(datapathA.compiled().orElseThrow(), datapathB.compiled().orElseThrow());
        assertEquals(
                List.of(false, true),
                compiles.stream().map(ObjectCache.Compiled::cacheHit).toList());
        assertEquals(compiles.get(0).object(), compiles.get(1).object(), "the same object file, loaded twice");
        // Each copy says who it is: B's denies A's SYN with B's endpoint id and identity, its constants.
        assertThrows(java.net.SocketTimeoutException.class, () -> {
            try {
                talk(9090, "denied");
            } catch (IllegalStateException e) {
                throw e.getCause();
            }
        });
        List<Notification.Drop> drops = drops();
        assertFalse(drops.isEmpty());
        for (Notification.Drop d : drops) {
            assertEquals(B_ID, d.source(), "the endpoint id of the copy on B's veth");
            assertEquals(B_IDENTITY, d.destinationIdentity());
            assertEquals(A_IDENTITY, d.sourceIdentity());
        }
    }

    /**
     * A regeneration replaces an endpoint's programs under traffic: a TCP connection that keeps talking and a ping
     * flood through B's veth while B's copy is loaded again and attached 20 times. Nothing is dropped — no drop
     * notification, every ping answered, every line echoed — because each new copy finds the flows in the shared
     * conntrack map. And nothing passed unfiltered (a moment without a program would let packets by, not drop
     * them): B's entry of the ping flow counted every packet A's did.
     */
    @Test
    void regeneratingUnderTrafficDropsNothing() throws Exception {
        policyB.put(new PolicyKey(A_IDENTITY, 0, PolicyKey.ICMP, Direction.INGRESS), PolicyEntry.ALLOW);
        int pings = 600;
        java.util.concurrent.CompletableFuture<String> flood =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> io.membrane.topology.Namespaces.exec(
                                a.namespace(),
                                "ping",
                                "-n",
                                "-q",
                                "-c",
                                String.valueOf(pings),
                                "-i",
                                "0.005",
                                "-W",
                                "1",
                                B_IP)
                        .output());
        Socket stream = Netns.call(a.namespace(), () -> {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(B_IP, 8080), 1_000);
            s.setSoTimeout(2_000);
            return s;
        });
        int lines = 0;
        try (stream;
                PrintWriter out = new PrintWriter(stream.getOutputStream(), true, StandardCharsets.UTF_8);
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(stream.getInputStream(), StandardCharsets.UTF_8))) {
            for (int regeneration = 0; regeneration < 20; regeneration++) {
                Netns.call(lab.nodeNamespace(), () -> {
                    datapathB.regenerate(configB);
                    return null;
                });
                assertTrue(datapathB.compiled().orElseThrow().cacheHit(), "a regeneration compiles nothing");
                for (int i = 0; i < 5; i++, lines++) {
                    out.println("line " + lines);
                    assertEquals("echo line " + lines + " from 8080", in.readLine());
                }
                Thread.sleep(40); // spreads the 20 replacements over the flood's 3 s
            }
        }
        int replies = io.membrane.topology.Ping.repliesIn(flood.get(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(pings, replies, "every ping answered while B's programs were replaced 20 times");
        assertEquals(100, lines);
        assertEquals(List.of(), drops(), "no packet of A's dropped");
        int aAddr = Ipv4Prefix.host(A_IP).address();
        int bAddr = Ipv4Prefix.host(B_IP).address();
        java.util.Map<Direction, Long> counted = new java.util.EnumMap<>(Direction.class);
        shared.get(DatapathMaps.CT4).entries().forEach((k, v) -> {
            if (k.saddr() == aAddr && k.daddr() == bAddr && k.protocol() == PolicyKey.ICMP) {
                counted.merge(k.direction(), v.packets(), Long::sum);
            }
        });
        // Requests and replies: A's egress copy (never replaced) and B's ingress copies see the same packets.
        assertEquals(2L * pings, counted.get(Direction.EGRESS), "A's side of the flow: " + counted);
        assertEquals(counted.get(Direction.EGRESS), counted.get(Direction.INGRESS), "B's side saw all of them too");
    }

    /**
     * The agent goes (its handles closed) and comes back: B's programs enforce all the while through their pinned
     * links, the restored endpoint takes them over, and its next regeneration runs with the new constants.
     */
    @Test
    void programsOutliveTheAgentAndARestoredEndpointRegenerates() throws Exception {
        datapathB.close();
        datapathB = null;
        assertEquals("echo still from 8080", talk(8080, "still"), "allowed traffic flows with no agent");
        assertDenied(9090);
        assertFalse(drops().isEmpty(), "and the pinned programs still drop what policy denies");
        notifications.clear();

        EndpointDatapath restored = Netns.call(lab.nodeNamespace(), () -> EndpointDatapath.restore(template, configB));
        datapathB = restored;
        assertEquals(Optional.empty(), restored.compiled(), "restored: the links run the last run's copy");
        EndpointConfig relabelled =
                new EndpointConfig(B_ID, configB.ifindex(), B_IDENTITY + 1, configB.ipv4(), Optional.empty());
        Netns.call(lab.nodeNamespace(), () -> {
            restored.regenerate(relabelled);
            return null;
        });
        assertDenied(9090);
        List<Notification.Drop> drops = drops();
        assertFalse(drops.isEmpty());
        drops.forEach(d -> assertEquals(B_IDENTITY + 1, d.destinationIdentity(), "the new copy's identity"));
        assertEquals("echo again from 8080", talk(8080, "again"), "the policy map came back with it");
    }

    /** Removed, the endpoint leaves nothing in the kernel: no links, no pins, no lxc entry, no policy map. */
    @Test
    void removeLeavesNothingOfTheEndpoint() {
        Path links = EndpointDatapath.linkDir(kernel.pins(), B_ID);
        assertTrue(Files.exists(links.resolve("from_container")) && Files.exists(links.resolve("to_container")));
        BpfHashMap<EndpointKey, EndpointInfo> lxc = shared.get(DatapathMaps.LXC);
        EndpointKey keyB =
                new EndpointKey(IpcacheKey.FAMILY_IPV4, Ipv4Prefix.host(B_IP).addressBytes());
        assertEquals(B_ID, lxc.lookup(keyB).orElseThrow().endpointId());

        Netns.call(lab.nodeNamespace(), () -> {
            datapathB.remove(Ipv4Prefix.host(B_IP));
            datapathB.remove(Ipv4Prefix.host(B_IP)); // idempotent
            return null;
        });
        assertFalse(Files.exists(links), "the links' pins");
        assertEquals(Optional.empty(), lxc.lookup(keyB), "the lxc entry");
        assertFalse(
                Files.exists(kernel.pins().pathOf(PrefilterDropTest.smallMaps().policy(B_ID))), "the policy map");
        // Nothing enforces on B's veth any more: what B's policy denied now arrives.
        assertEquals("echo open from 9090", talk(9090, "open"));
        assertTrue(
                lxc.lookup(new EndpointKey(
                                IpcacheKey.FAMILY_IPV4, Ipv4Prefix.host(A_IP).addressBytes()))
                        .isPresent(),
                "A is untouched");
    }

    private void assertDenied(int port) {
        assertThrows(java.net.SocketTimeoutException.class, () -> {
            try {
                talk(port, "denied");
            } catch (IllegalStateException e) {
                throw e.getCause();
            }
        });
    }

    @Test
    void allowedPortCarriesDataBothWays() {
        assertEquals("echo hello from 8080", talk(8080, "hello"));
        reader.poll(100);
        assertTrue(
                notifications.stream()
                        .anyMatch(n -> n instanceof Notification.PolicyVerdict v
                                && v.allowed()
                                && v.remoteIdentity() == A_IDENTITY
                                && v.flow().destinationPort() == 8080),
                "a policy-verdict notification for the new flow: " + notifications);
        assertTrue(
                policyB.lookup(new PolicyKey(A_IDENTITY, 8080, PolicyKey.TCP, Direction.INGRESS))
                                .orElseThrow()
                                .packets()
                        > 0,
                "the allow entry counted the flow");
    }

    @Test
    void otherPortAndIcmpAreDroppedWithPolicyDenied() {
        assertThrows(java.net.SocketTimeoutException.class, () -> {
            try {
                talk(9090, "nope");
            } catch (IllegalStateException e) {
                throw e.getCause();
            }
        });
        assertEquals(0, lab.ping(a, B_IP, 2));
        List<Notification.Drop> drops = drops();
        assertTrue(
                drops.stream()
                        .anyMatch(d -> d.flow().orElseThrow().destinationPort() == 9090
                                && d.flow().get().protocol() == PolicyKey.TCP),
                "9090 SYN dropped and notified: " + drops);
        assertTrue(
                drops.stream().anyMatch(d -> d.flow().orElseThrow().protocol() == PolicyKey.ICMP),
                "ICMP dropped and notified: " + drops);
        for (Notification.Drop d : drops) {
            assertEquals(DropReason.POLICY_DENIED, d.reason());
            assertEquals(A_IDENTITY, d.sourceIdentity());
            assertEquals(B_IDENTITY, d.destinationIdentity());
            assertEquals(Direction.INGRESS, d.flow().orElseThrow().direction());
        }
    }

    @Test
    void removingTheAllowEntryStopsNewConnections() {
        assertEquals("echo one from 8080", talk(8080, "one"));
        assertTrue(policyB.delete(new PolicyKey(A_IDENTITY, 8080, PolicyKey.TCP, Direction.INGRESS)));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> talk(8080, "two"));
        assertTrue(e.getCause() instanceof java.net.SocketTimeoutException, String.valueOf(e.getCause()));
        assertFalse(drops().isEmpty());
    }
}
