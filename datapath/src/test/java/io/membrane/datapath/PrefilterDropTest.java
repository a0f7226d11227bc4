package io.membrane.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.datapath.net.Devices;
import io.membrane.datapath.net.Netns;
import io.membrane.datapath.structs.Direction;
import io.membrane.datapath.structs.DropReason;
import io.membrane.datapath.structs.MetricsKey;
import io.membrane.datapath.structs.MetricsValue;
import io.membrane.datapath.structs.Notification;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.KernelTest;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.PerCpuArrayMap;
import io.membrane.maps.PerfEventArrayMap;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import io.membrane.topology.NamespacePair;
import io.membrane.topology.Namespaces;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The XDP prefilter on a real veth: a source in the deny maps never reaches the peer, each drop is counted in
 * the metrics map and notified with reason PREFILTER, and removing the entry lets traffic flow again, for IPv4
 * (LPM map) and IPv6 (exact-match map), while an unrelated source keeps flowing throughout.
 */
@Tag("kernel")
class PrefilterDropTest {
    static final Path BPF_DIR = Path.of("..", "bpf").toAbsolutePath().normalize();

    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @TempDir
    Path tmp;

    private OpenMaps shared;
    private NamespacePair lab;
    private ObjectLoader.Loaded loaded;
    private PerfEventReader reader;
    private final List<Notification> notifications = new CopyOnWriteArrayList<>();
    private LpmTrieMap<Ipv4Prefix, PrefilterFlag> cidr4Dyn;
    private BpfHashMap<Ipv6Prefix, PrefilterFlag> cidr6Fix;
    private PerCpuArrayMap<MetricsValue> metrics;

    static DatapathMaps smallMaps() {
        return new DatapathMaps(new DatapathMaps.Sizes(1_024, 1_024, 1_024, 256, 1_024, 1_024, 256));
    }

    @BeforeEach
    void setUp() throws Exception {
        start(ConfigHeaders.Node.DEFAULT);
    }

    private void start(ConfigHeaders.Node node) throws Exception {
        DatapathMaps maps = smallMaps();
        shared = OpenMaps.openOrCreate(kernel.pins(), maps, DatapathMaps.Source.BPF_XDP);
        PerfEventArrayMap events = shared.get(DatapathMaps.EVENTS);
        metrics = shared.get(DatapathMaps.METRICS);
        cidr4Dyn = shared.get(DatapathMaps.CIDR4_DYN);
        cidr6Fix = shared.get(DatapathMaps.CIDR6_FIX);
        assertTrue(shared.get(DatapathMaps.NOTIFY_BUDGET).keys().size() == 1);
        Path headers = Files.createDirectories(tmp.resolve("include"));
        ConfigHeaders.writeNode(headers, maps, node);
        ObjectLoader loader = new ObjectLoader(new ObjectCache(tmp.resolve("cache"), new Clang()), BPF_DIR);
        loaded = loader.load("bpf_xdp.c", List.of(headers), shared.all(), DatapathMaps.PREFILTER_LAYOUTS);
        reader = new PerfEventReader(events, 8, new PerfEventReader.Listener() {
            @Override
            public void onSample(int cpu, byte[] data) {
                notifications.add(Notification.decode(data));
            }

            @Override
            public void onLost(int cpu, long count) {}
        });
        lab = NamespacePair.create("mbrpf");
        Program prog = loaded.program("xdp_prefilter");
        Netns.call(lab.nsB(), () -> {
            Xdp.attach(Devices.require(lab.devB()), prog, Xdp.Mode.GENERIC);
            return null;
        });
    }

    @AfterEach
    void tearDown() {
        stop();
    }

    private void stop() {
        if (lab != null) {
            lab.close();
        }
        if (reader != null) {
            reader.close();
        }
        if (loaded != null) {
            loaded.close();
        }
        if (shared != null) {
            shared.close();
        }
        shared = null;
        notifications.clear();
        lab = null;
        reader = null;
        loaded = null;
    }

    private long prefilterDrops() {
        return metrics.lookup(new MetricsKey(DropReason.PREFILTER, Direction.INGRESS).index())
                .map(MetricsValue::sum)
                .map(MetricsValue::packets)
                .orElse(0L);
    }

    private List<Notification.Drop> drainDrops() {
        for (int i = 0; i < 5; i++) {
            reader.poll(50);
        }
        List<Notification.Drop> drops = new ArrayList<>();
        for (Notification n : notifications) {
            if (n instanceof Notification.Drop d) {
                drops.add(d);
            }
        }
        return drops;
    }

    @Test
    void ipv4SourceInLpmMapIsDroppedCountedAndNotified() throws Exception {
        assertEquals(3, lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 3), "flows before the entry");

        cidr4Dyn.put(Ipv4Prefix.parse("10.77.0.0/31"), PrefilterFlag.DENY); // covers .1, not .3
        assertEquals(0, lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 4), "blocked source never answers");
        assertEquals(3, lab.pingFromA(NamespacePair.A_V4_OTHER, NamespacePair.B_V4, 3), "unrelated source flows");
        assertTrue(prefilterDrops() >= 4, "metrics counted the drops: " + prefilterDrops());

        List<Notification.Drop> drops = drainDrops();
        assertFalse(drops.isEmpty(), "a drop notification arrived");
        Notification.Drop d = drops.get(0);
        assertEquals(DropReason.PREFILTER, d.reason());
        assertEquals(
                InetAddress.getByName(NamespacePair.A_V4),
                d.flow().orElseThrow().source());
        assertEquals(
                InetAddress.getByName(NamespacePair.B_V4),
                d.flow().orElseThrow().destination());
        assertEquals(Direction.INGRESS, d.flow().orElseThrow().direction());

        cidr4Dyn.delete(Ipv4Prefix.parse("10.77.0.0/31"));
        assertEquals(3, lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 3), "flows again after removal");
    }

    @Test
    void ipv6SourceInExactMapIsDroppedCountedAndNotified() throws Exception {
        assertEquals(3, lab.pingFromA(NamespacePair.A_V6, NamespacePair.B_V6, 3), "flows before the entry");
        long before = prefilterDrops();

        cidr6Fix.put(Ipv6Prefix.host(NamespacePair.A_V6), PrefilterFlag.DENY);
        assertEquals(0, lab.pingFromA(NamespacePair.A_V6, NamespacePair.B_V6, 4));
        assertEquals(3, lab.pingFromA(NamespacePair.A_V6_OTHER, NamespacePair.B_V6, 3), "unrelated source flows");
        assertTrue(prefilterDrops() - before >= 4, "metrics counted the drops");

        List<Notification.Drop> drops = drainDrops();
        assertFalse(drops.isEmpty(), "a drop notification arrived");
        assertEquals(DropReason.PREFILTER, drops.get(0).reason());
        assertEquals(
                InetAddress.getByName(NamespacePair.A_V6),
                drops.get(0).flow().orElseThrow().source());

        cidr6Fix.delete(Ipv6Prefix.host(NamespacePair.A_V6));
        assertEquals(3, lab.pingFromA(NamespacePair.A_V6, NamespacePair.B_V6, 3), "flows again after removal");
    }

    @Test
    void aFloodIsCountedInFullButNotifiedWithinTheBudget() throws Exception {
        stop();
        start(new ConfigHeaders.Node(java.util.Optional.empty(), true, true, 3, false));
        cidr4Dyn.put(Ipv4Prefix.parse("10.77.0.1/32"), PrefilterFlag.DENY);
        long before = prefilterDrops();
        long started = System.nanoTime();
        Namespaces.exec(
                lab.nsA(),
                "ping",
                "-n",
                "-q",
                "-c",
                "60",
                "-i",
                "0.005",
                "-W",
                "1",
                "-I",
                NamespacePair.A_V4,
                NamespacePair.B_V4);
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(60, prefilterDrops() - before, "metrics count every dropped packet");
        int notified = drainDrops().size();
        // 3 per CPU per one-second window; the flood spans at most ceil(seconds) + 1 windows per CPU.
        long allowed = 3L * io.membrane.maps.PossibleCpus.count() * ((long) Math.ceil(seconds) + 1);
        assertTrue(
                notified >= 1 && notified <= allowed,
                notified + " notifications for 60 drops in " + seconds + " s; budget allows " + allowed);
        assertTrue(notified < 60, "the flood did not become an event flood");
    }

    /** Ethernet, then {@code tags} VLAN tags (802.1ad outer, 802.1Q inner), then a minimal IPv4 header. */
    static byte[] frame(String src, String dst, int tags) throws Exception {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(14 + 4 * tags + 20 + 8);
        b.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1});
        for (int i = 0; i < tags; i++) {
            b.putShort((short) (i == 0 && tags > 1 ? 0x88a8 : 0x8100)).putShort((short) (100 + i));
        }
        b.putShort((short) 0x0800);
        b.put((byte) 0x45)
                .put((byte) 0)
                .putShort((short) 28)
                .putInt(0)
                .put((byte) 64)
                .put((byte) 1)
                .putShort((short) 0);
        b.put(InetAddress.getByName(src).getAddress())
                .put(InetAddress.getByName(dst).getAddress());
        return b.array();
    }

    @Test
    void vlanTaggedFramesAreFilteredLikeUntaggedOnes() throws Exception {
        cidr4Dyn.put(Ipv4Prefix.parse("10.77.0.0/31"), PrefilterFlag.DENY);
        Program prog = loaded.program("xdp_prefilter");
        for (int tags = 0; tags <= 2; tags++) {
            assertEquals(
                    1,
                    TestRun.run(prog, frame(NamespacePair.A_V4, NamespacePair.B_V4, tags), 1)
                            .returnCode(),
                    "XDP_DROP for the denied source behind " + tags + " VLAN tag(s)");
            assertEquals(
                    2,
                    TestRun.run(prog, frame(NamespacePair.A_V4_OTHER, NamespacePair.B_V4, tags), 1)
                            .returnCode(),
                    "XDP_PASS for another source behind " + tags + " VLAN tag(s)");
        }
        byte[] truncated = java.util.Arrays.copyOf(frame(NamespacePair.A_V4_OTHER, NamespacePair.B_V4, 0), 24);
        assertEquals(1, TestRun.run(prog, truncated, 1).returnCode(), "a truncated IPv4 header is dropped");
    }
}
