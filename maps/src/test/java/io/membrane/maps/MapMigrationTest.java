package io.membrane.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pin left by the previous version (kernel name cut to 15 characters, no BTF) is migrated once: the new map
 * has the spec's kernel name and BTF and every entry of the old one, under the same pin path; opening again
 * reuses it.
 */
@Tag("kernel")
class MapMigrationTest {
    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @Test
    void lpmEntriesSurviveAndTheSecondOpenReuses() throws Exception {
        MapSpec<LpmTrieMap<Ipv4Prefix, Byte>> spec = MapSpec.lpmTrie(
                        "membrane_mig_lpm4_dyn", Ipv4Prefix.LAYOUT, Layout.U8, 64)
                .withKernelName("mbr_mig_lpm4");
        Map<Ipv4Prefix, Byte> before;
        int oldId;
        try (var old = PreviousVersion.createPinned(kernel.pins(), spec)) {
            for (int i = 0; i < 40; i++) {
                old.put(new Ipv4Prefix(0x0a000000 | i << 8, 24), (byte) (i + 1));
            }
            before = old.entries();
            oldId = old.info().id();
            assertEquals("membrane_mig_lp", old.info().name(), "the old, cut kernel name");
            assertEquals(0, old.info().btfId());
        }

        PinnedMaps.Opened<LpmTrieMap<Ipv4Prefix, Byte>> migrated = kernel.pins().openOrCreateReporting(spec);
        int newId;
        try (var map = migrated.map()) {
            assertEquals(PinnedMaps.Outcome.MIGRATED, migrated.outcome());
            assertEquals(before, map.entries());
            MapInfo info = map.info();
            newId = info.id();
            assertNotEquals(oldId, newId, "a new kernel map");
            assertEquals("mbr_mig_lpm4", info.name());
            assertTrue(info.btfId() > 0, "the new map has BTF");
            Bpftool.Shown pinned = Bpftool.show(kernel.pins().pathOf(spec));
            assertEquals("mbr_mig_lpm4", pinned.name(), "the pin path holds the new map");
            assertTrue(pinned.btfId() > 0);
        }
        assertTrue(
                Files.list(kernel.pins().root())
                        .allMatch(p -> p.getFileName().toString().equals(spec.name())),
                "no temporary pin is left");

        PinnedMaps.Opened<LpmTrieMap<Ipv4Prefix, Byte>> again = kernel.pins().openOrCreateReporting(spec);
        try (var map = again.map()) {
            assertEquals(PinnedMaps.Outcome.REUSED, again.outcome(), "migrated once, not twice");
            assertEquals(newId, map.info().id());
            assertEquals(before, map.entries());
        }
    }

    @Test
    void perCpuValuesSurviveOnEveryCpu() {
        MapSpec<PerCpuArrayMap<Long>> spec =
                MapSpec.perCpuArray("membrane_mig_percpu", Layout.U64, 4).withKernelName("mbr_mig_pcpu");
        List<Long> perCpu;
        try (var old = PreviousVersion.createPinned(kernel.pins(), spec)) {
            old.putOnEveryCpu(2, 77L);
            perCpu = old.get(2).orElseThrow();
        }
        PinnedMaps.Opened<PerCpuArrayMap<Long>> migrated = kernel.pins().openOrCreateReporting(spec);
        try (var map = migrated.map()) {
            assertEquals(PinnedMaps.Outcome.MIGRATED, migrated.outcome());
            assertEquals(perCpu, map.get(2).orElseThrow());
            assertEquals(
                    List.of(0L), map.get(0).orElseThrow().stream().distinct().toList());
        }
    }
}
