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
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.datapath.structs.Notification;
import io.membrane.datapath.structs.PolicyEntry;
import io.membrane.datapath.structs.PolicyKey;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.BpfMap;
import io.membrane.maps.KernelTest;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.MapSpec;
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
import java.util.Map;
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
 * the allow entry stops new connections. Both copies come from one compile of the template, and replacing B's
 * under traffic loses nothing.
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

    private final List<BpfMap<?, ?>> opened = new ArrayList<>();
    private final List<ObjectLoader.Loaded> objects = new ArrayList<>();
    private final List<ObjectCache.Compiled> compiles = new ArrayList<>();
    private final List<Notification> notifications = new CopyOnWriteArrayList<>();
    private final List<ServerSocket> servers = new ArrayList<>();
    private EndpointLab lab;
    private EndpointLab.Endpoint a;
    private EndpointLab.Endpoint b;
    private PerfEventReader reader;
    private BpfHashMap<PolicyKey, PolicyEntry> policyB;
    private ObjectLoader loader;
    private Path epHeaders;
    private Path nodeHeaders;
    private OpenMaps shared;
    private EndpointConfig configB;
    private int ifindexB;

    private <M extends BpfMap<?, ?>> M open(MapSpec<M> spec) {
        M m = kernel.pins().openOrCreate(spec);
        opened.add(m);
        return m;
    }

    @BeforeEach
    void setUp() throws Exception {
        DatapathMaps maps = PrefilterDropTest.smallMaps();
        shared = OpenMaps.openOrCreate(kernel.pins(), maps, DatapathMaps.Source.BPF_LXC);
        opened.addAll(shared.all());
        PerfEventArrayMap events = shared.get(DatapathMaps.EVENTS);
        LpmTrieMap<IpcacheKey, IpcacheValue> ipcache = shared.get(DatapathMaps.IPCACHE);
        BpfHashMap<PolicyKey, PolicyEntry> policyA = open(maps.policy(A_ID));
        policyB = open(maps.policy(B_ID));
        ipcache.put(IpcacheKey.of(Ipv4Prefix.host(A_IP)), new IpcacheValue(A_IDENTITY, 0));
        ipcache.put(IpcacheKey.of(Ipv4Prefix.host(B_IP)), new IpcacheValue(B_IDENTITY, 0));
        // A may send anything; B's ingress is default-deny except TCP 8080 from A.
        policyA.put(new PolicyKey(0, 0, 0, Direction.EGRESS), PolicyEntry.ALLOW);
        policyB.put(new PolicyKey(0, 0, 0, Direction.EGRESS), PolicyEntry.ALLOW);
        policyB.put(new PolicyKey(A_IDENTITY, 8080, PolicyKey.TCP, Direction.INGRESS), PolicyEntry.ALLOW);

        lab = EndpointLab.create("mbrep");
        a = lab.addEndpoint("a", A_IP);
        b = lab.addEndpoint("b", B_IP);

        nodeHeaders = Files.createDirectories(tmp.resolve("node"));
        // Per-flow packet counts in the CT entries: what shows that a replacement left no moment unfiltered.
        ConfigHeaders.Node node = ConfigHeaders.Node.DEFAULT;
        ConfigHeaders.writeNode(
                nodeHeaders,
                maps,
                new ConfigHeaders.Node(
                        node.ipv4(), node.enableIpv4(), node.enableIpv6(), node.prefilterNotifyBudget(), true));
        loader = new ObjectLoader(new ObjectCache(tmp.resolve("cache"), new Clang()), PrefilterDropTest.BPF_DIR);
        // One template header for both endpoints: one compile, each copy loaded with its own constants and map.
        epHeaders = tmp.resolve("endpoints");
        ConfigHeaders.write(epHeaders, ConfigHeaders.ENDPOINT, ConfigHeaders.endpointTemplate(maps));
        for (Object[] ep :
                new Object[][] {{a, A_ID, A_IP, A_IDENTITY, policyA}, {b, B_ID, B_IP, B_IDENTITY, policyB}}) {
            EndpointLab.Endpoint e = (EndpointLab.Endpoint) ep[0];
            int ifindex = Netns.call(lab.nodeNamespace(), () -> Devices.require(e.hostDevice()));
            EndpointConfig config = new EndpointConfig(
                    (int) ep[1],
                    ifindex,
                    (int) ep[3],
                    Ipv4Prefix.host((String) ep[2]).address(),
                    Optional.empty());
            ObjectLoader.Loaded loaded = loadCopy(config, (BpfMap<?, ?>) ep[4]);
            compiles.add(loaded.compiled());
            attach(ifindex, loaded);
            if (e == b) {
                configB = config;
                ifindexB = ifindex;
            }
        }
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
        objects.forEach(ObjectLoader.Loaded::close);
        opened.forEach(BpfMap::close);
    }

    /** One endpoint's copy of the template: its constants, its policy map bound by fd. */
    private ObjectLoader.Loaded loadCopy(EndpointConfig config, BpfMap<?, ?> policy) {
        ObjectLoader.Loaded loaded = loader.load(
                "bpf_lxc.c",
                List.of(epHeaders, nodeHeaders),
                shared.all(),
                DatapathMaps.ENDPOINT_LAYOUTS,
                Map.of(DatapathMaps.POLICY_TEMPLATE, policy),
                Map.of(EndpointConfig.VARIABLE, config.toBytes()));
        objects.add(loaded);
        return loaded;
    }

    /** Both programs on the host-side veth; each replaces what was there in one netlink request. */
    private void attach(int ifindex, ObjectLoader.Loaded loaded) {
        Netns.call(lab.nodeNamespace(), () -> {
            Tc.attach(ifindex, Tc.Hook.INGRESS, loaded.program("from_container"));
            Tc.attach(ifindex, Tc.Hook.EGRESS, loaded.program("to_container"));
            return null;
        });
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
                ObjectLoader.Loaded next = loadCopy(configB, policyB);
                assertTrue(next.compiled().cacheHit(), "a regeneration compiles nothing");
                attach(ifindexB, next);
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
