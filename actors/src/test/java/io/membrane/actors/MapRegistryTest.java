package io.membrane.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.BpfMap;
import io.membrane.maps.Bpftool;
import io.membrane.maps.KernelTest;
import io.membrane.maps.PreviousVersion;
import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry pins every global map, and a second registry (the next agent) reuses them with their entries;
 * bpftool tells every map apart by its kernel name and prints every keyed map's entries by member name; pins
 * left by the previous version are migrated once, entries kept.
 */
@Tag("kernel")
class MapRegistryTest {
    static final ActorTestKit TESTKIT = ActorTestKit.create();

    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @TempDir
    Path runDir;

    @AfterAll
    static void shutdown() {
        TESTKIT.shutdownTestKit();
    }

    private AgentConfig config() {
        return TestAgents.config(kernel.pins().root(), runDir, "[]", "");
    }

    private MapRegistry.Handles handles(ActorRef<MapRegistry.Command> registry) {
        TestProbe<MapRegistry.Handles> handles = TESTKIT.createTestProbe();
        registry.tell(new MapRegistry.GetHandles(handles.getRef()));
        return handles.receiveMessage(Duration.ofSeconds(30));
    }

    private List<MapRegistry.MapStatus> status(ActorRef<MapRegistry.Command> registry) {
        TestProbe<List<MapRegistry.MapStatus>> status = TESTKIT.createTestProbe();
        registry.tell(new MapRegistry.GetStatus(status.getRef()));
        return status.receiveMessage(Duration.ofSeconds(30));
    }

    private static MapRegistry.MapStatus named(List<MapRegistry.MapStatus> maps, String name) {
        return maps.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void opensPinsAndReusesEveryGlobalMap() {
        AgentConfig config = config();
        ActorRef<MapRegistry.Command> first = TESTKIT.spawn(MapRegistry.create(config));
        MapRegistry.Handles h = handles(first);
        h.cidr4Dyn().put(Ipv4Prefix.parse("203.0.113.0/24"), PrefilterFlag.DENY);
        for (var m : h.all()) {
            assertTrue(Files.exists(kernel.pins().root().resolve(m.name())), m.name() + " is pinned");
        }
        TESTKIT.stop(first);

        ActorRef<MapRegistry.Command> second = TESTKIT.spawn(MapRegistry.create(config));
        List<MapRegistry.MapStatus> maps = status(second);
        assertEquals(DatapathMaps.declared().size(), maps.size());
        MapRegistry.MapStatus dyn = named(maps, "membrane_cidr4_dyn");
        assertEquals("reused", dyn.outcome());
        assertEquals(1, dyn.entries());
        assertTrue(maps.stream().allMatch(m -> m.outcome().equals("reused")), maps.toString());
        TESTKIT.stop(second);
    }

    /**
     * What a user sees with bpftool: distinct kernel names within 15 characters, BTF on every keyed map, and a
     * dump naming every member of the key and the value. bpftool itself writes an all-zero entry into each hash
     * and trie (arrays have every slot already), so the check needs nothing per map.
     */
    @Test
    void bpftoolNamesEveryMapAndEveryFieldOfItsEntries() {
        ActorRef<MapRegistry.Command> registry = TESTKIT.spawn(MapRegistry.create(config()));
        MapRegistry.Handles h = handles(registry);
        Set<String> kernelNames = new HashSet<>();
        for (BpfMap<?, ?> m : h.all()) {
            Path pin = h.pins().pathOf(m.spec());
            Bpftool.Shown shown = Bpftool.show(pin);
            assertEquals(m.spec().kernelName(), shown.name(), m.name());
            assertTrue(kernelNames.add(shown.name()), "two maps show as " + shown.name());
            if (!m.spec().type().carriesBtf()) {
                continue;
            }
            assertTrue(shown.btfId() > 0, m.name() + " has BTF: " + shown);
            if (!m.spec().type().isArray()) {
                List<String> update = new ArrayList<>(List.of("map", "update", "pinned", pin.toString(), "key", "hex"));
                update.addAll(Collections.nCopies(m.spec().keySize(), "00"));
                update.add("value");
                update.add("hex");
                update.addAll(Collections.nCopies(m.spec().valueSize(), "00"));
                Bpftool.run(update.toArray(String[]::new));
            }
            String dump = Bpftool.dump(pin);
            assertTrue(dump.contains("\"formatted\":"), m.name() + ": " + dump);
            for (Layout<?> layout : List.of(m.spec().keyLayout(), m.spec().valueLayout())) {
                if (layout.fields().size() > 1 || !layout.cName().startsWith("__")) {
                    for (Field f : layout.fields()) {
                        assertTrue(
                                dump.contains("\"" + f.name() + "\":"),
                                m.name() + " shows " + layout.cName() + "." + f.name() + ": " + dump);
                    }
                }
            }
        }
        assertEquals(DatapathMaps.declared().size(), kernelNames.size());
        TESTKIT.stop(registry);
    }

    /** Pins as the previous version left them: cut kernel names, no BTF, entries in them. */
    @Test
    void pinsOfThePreviousVersionAreMigratedOnceWithTheirEntries() {
        AgentConfig config = config();
        DatapathMaps specs = new DatapathMaps(config.mapSizes());
        Ipv4Prefix denied = Ipv4Prefix.parse("198.51.100.0/24");
        IpcacheKey peer = IpcacheKey.of(Ipv4Prefix.host("10.77.0.9"));
        for (DatapathMaps.Shared<?> m : DatapathMaps.declared()) {
            try (BpfMap<?, ?> old = PreviousVersion.createPinned(kernel.pins(), specs.spec(m))) {
                assertEquals(0, old.info().btfId());
            }
        }
        try (var dyn = kernel.pins()
                        .openExisting(specs.spec(DatapathMaps.CIDR4_DYN))
                        .orElseThrow();
                var ipcache = kernel.pins()
                        .openExisting(specs.spec(DatapathMaps.IPCACHE))
                        .orElseThrow()) {
            assertEquals("membrane_cidr4_", dyn.info().name(), "the previous version's cut name");
            dyn.put(denied, PrefilterFlag.DENY);
            ipcache.put(peer, new IpcacheValue(4242, 0));
        }

        ActorRef<MapRegistry.Command> first = TESTKIT.spawn(MapRegistry.create(config));
        List<MapRegistry.MapStatus> migrated = status(first);
        assertTrue(migrated.stream().allMatch(m -> m.outcome().equals("migrated")), migrated.toString());
        assertEquals(1, named(migrated, "membrane_cidr4_dyn").entries());
        MapRegistry.Handles h = handles(first);
        assertEquals(Optional.of(PrefilterFlag.DENY), h.cidr4Dyn().lookup(Ipv4Prefix.host("198.51.100.7")));
        assertEquals(Optional.of(new IpcacheValue(4242, 0)), h.ipcache().lookup(peer));
        assertEquals("mbr_cidr4_dyn", h.cidr4Dyn().info().name());
        assertTrue(h.cidr4Dyn().info().btfId() > 0);
        TESTKIT.stop(first);

        ActorRef<MapRegistry.Command> second = TESTKIT.spawn(MapRegistry.create(config));
        List<MapRegistry.MapStatus> again = status(second);
        assertTrue(again.stream().allMatch(m -> m.outcome().equals("reused")), "migrated once: " + again);
        assertEquals(
                Optional.of(PrefilterFlag.DENY), handles(second).cidr4Dyn().lookup(Ipv4Prefix.host("198.51.100.7")));
        TESTKIT.stop(second);
    }
}
