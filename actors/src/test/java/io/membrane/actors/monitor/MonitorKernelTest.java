package io.membrane.actors.monitor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.datapath.Clang;
import io.membrane.datapath.ConfigHeaders;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.ObjectCache;
import io.membrane.datapath.ObjectLoader;
import io.membrane.datapath.OpenMaps;
import io.membrane.datapath.Program;
import io.membrane.datapath.TestRun;
import io.membrane.datapath.structs.Direction;
import io.membrane.datapath.structs.DropReason;
import io.membrane.datapath.structs.Notification;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.KernelTest;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.PerfEventArrayMap;
import io.membrane.maps.net.Ipv4Prefix;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole real path: the XDP prefilter (bpf/bpf_xdp.c) run by BPF_PROG_TEST_RUN drops frames from a denied
 * source and writes drop notifications into the perf event array; libbpf's perf buffer → EventPump →
 * MonitorServer → MonitorClient delivers them, decoded and formatted.
 */
@Tag("kernel")
class MonitorKernelTest {
    static final Path BPF_DIR = Path.of("..", "bpf").toAbsolutePath().normalize();
    static final int XDP_DROP = 1;
    static final int XDP_PASS = 2;

    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @TempDir
    Path tmp;

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    @Test
    void prefilterDropsReachAMonitorClient() throws Exception {
        DatapathMaps maps = DatapathMaps.defaults(); // only the prefilter's maps are created: small enough
        OpenMaps opened = OpenMaps.openOrCreate(kernel.pins(), maps, DatapathMaps.Source.BPF_XDP);
        closing.add(opened);
        PerfEventArrayMap events = opened.get(DatapathMaps.EVENTS);
        LpmTrieMap<Ipv4Prefix, PrefilterFlag> cidr4Dyn = opened.get(DatapathMaps.CIDR4_DYN);
        Path headers = Files.createDirectories(tmp.resolve("include"));
        ConfigHeaders.writeNode(headers, maps, ConfigHeaders.Node.DEFAULT);
        ObjectLoader loader = new ObjectLoader(new ObjectCache(tmp.resolve("cache"), new Clang()), BPF_DIR);
        ObjectLoader.Loaded loaded =
                loader.load("bpf_xdp.c", List.of(headers), opened.all(), DatapathMaps.PREFILTER_LAYOUTS);
        closing.add(loaded);
        Program prog = loaded.program("xdp_prefilter");
        cidr4Dyn.put(Ipv4Prefix.parse("10.77.0.0/31"), PrefilterFlag.DENY); // 10.77.0.1 denied, .3 not

        EventPump pump = EventPump.startPerf(events, 64, EventPump.Options.DEFAULT);
        closing.add(pump);
        MonitorServer server =
                MonitorServer.start(tmp.resolve("run").resolve("monitor.sock"), pump, MonitorServer.Options.DEFAULT);
        closing.add(server);
        MonitorClient client =
                MonitorClient.connect(server.path(), MonitorClient.Options.DEFAULT.withTypes(List.of("drop")));
        closing.add(client);
        await("the client subscribed").until(() -> pump.listeners().size(), n -> n == 1);

        assertEquals(
                XDP_PASS,
                TestRun.run(prog, tcpSyn("10.77.0.3", "10.77.0.2", 40113, 8080), 3)
                        .returnCode(),
                "an allowed source passes, unnotified");
        assertEquals(
                XDP_DROP,
                TestRun.run(prog, tcpSyn("10.77.0.1", "10.77.0.2", 40112, 8080), 5)
                        .returnCode());
        assertEquals(XDP_DROP, TestRun.run(prog, truncatedIpv4(), 1).returnCode());

        List<MonitorClient.Received> got = new ArrayList<>();
        while (got.size() < 6) {
            got.add(client.next().orElseThrow(() -> new AssertionError("ended: " + client.end())));
        }
        for (int i = 0; i < 5; i++) {
            Notification.Drop d = (Notification.Drop) ((Event.Sample) got.get(i).event()).notification();
            assertEquals(DropReason.PREFILTER, d.reason());
            Notification.Flow f = d.flow().orElseThrow();
            assertEquals(InetAddress.getByName("10.77.0.1"), f.source());
            assertEquals(InetAddress.getByName("10.77.0.2"), f.destination());
            assertEquals(40112, f.sourcePort());
            assertEquals(8080, f.destinationPort());
            assertEquals(6, f.protocol());
            assertEquals(Direction.INGRESS, f.direction());
            assertEquals(54, d.originalLength());
            String line = EventFormat.line(got.get(i).event());
            assertTrue(
                    line.startsWith("xx drop (Prefilter: source in deny list) flow 10.77.0.1:40112 -> "
                            + "10.77.0.2:8080 tcp, ifindex "),
                    line);
            assertTrue(line.endsWith(", identity 0->0, ingress"), line);
            assertTrue(
                    got.get(i).json().contains("\"reason\":{\"label\":\"prefilter\",\"code\":240,"),
                    got.get(i).json());
        }
        Notification.Drop invalid =
                (Notification.Drop) ((Event.Sample) got.get(5).event()).notification();
        assertEquals(DropReason.INVALID_PACKET, invalid.reason());
        assertTrue(invalid.flow().isEmpty());
        assertTrue(EventFormat.line(got.get(5).event()).startsWith("xx drop (Invalid packet), ifindex "));

        EventPump.Counters c = pump.counters();
        assertEquals(6, c.samples());
        assertEquals(6, c.drops());
        assertEquals(0, c.decodeErrors());
        assertEquals(0, c.lost());
        assertEquals(6, pump.recent(100).size());
    }

    /** Ethernet + IPv4 + TCP SYN, 54 bytes; checksums are not checked by the prefilter. */
    static byte[] tcpSyn(String src, String dst, int sport, int dport) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(54);
        b.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        b.put((byte) 0x45)
                .put((byte) 0)
                .putShort((short) 40)
                .putShort((short) 1)
                .putShort((short) 0x4000)
                .put((byte) 64)
                .put((byte) 6)
                .putShort((short) 0)
                .put(InetAddress.getByName(src).getAddress())
                .put(InetAddress.getByName(dst).getAddress());
        b.putShort((short) sport)
                .putShort((short) dport)
                .putInt(1)
                .putInt(0)
                .put((byte) 0x50)
                .put((byte) 0x02)
                .putShort((short) 65535)
                .putShort((short) 0)
                .putShort((short) 0);
        return b.array();
    }

    /** An Ethernet frame that says IPv4 but carries only 10 bytes of the IP header. */
    static byte[] truncatedIpv4() {
        ByteBuffer b = ByteBuffer.allocate(24);
        b.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1})
                .putShort((short) 0x0800)
                .put((byte) 0x45);
        return b.array();
    }
}
