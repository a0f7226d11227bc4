package io.membrane.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import java.nio.file.Files;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A pinned map with the same shape is reused with its contents; another shape is replaced. */
@Tag("kernel")
class OpenOrCreateTest {
    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @Test
    void reuseKeepsEntries() {
        MapSpec<LpmTrieMap<Ipv4Prefix, Byte>> spec = MapSpec.lpmTrie("ooc_reuse", Ipv4Prefix.LAYOUT, Layout.U8, 16);
        int firstId;
        try (var first = kernel.pins().openOrCreateReporting(spec).map()) {
            first.put(Ipv4Prefix.parse("203.0.113.0/24"), (byte) 1);
            firstId = first.info().id();
        }
        assertEquals(true, Files.exists(kernel.pins().pathOf(spec)), "the map stays pinned after close");
        PinnedMaps.Opened<LpmTrieMap<Ipv4Prefix, Byte>> again = kernel.pins().openOrCreateReporting(spec);
        try (var map = again.map()) {
            assertEquals(PinnedMaps.Outcome.REUSED, again.outcome());
            assertEquals(firstId, map.info().id(), "the same kernel map");
            assertEquals(Optional.of((byte) 1), map.lookup(Ipv4Prefix.host("203.0.113.9")));
        }
    }

    @Test
    void changedValueSizeReplacesTheMap() {
        MapSpec<BpfHashMap<Integer, Integer>> narrow = MapSpec.hash("ooc_replace", Layout.U32, Layout.U32, 16);
        MapSpec<BpfHashMap<Integer, Long>> wide = MapSpec.hash("ooc_replace", Layout.U32, Layout.U64, 16);
        int oldId;
        try (var map = kernel.pins().openOrCreate(narrow)) {
            map.put(1, 1);
            oldId = map.info().id();
        }
        PinnedMaps.Opened<BpfHashMap<Integer, Long>> replaced = kernel.pins().openOrCreateReporting(wide);
        try (var map = replaced.map()) {
            assertEquals(PinnedMaps.Outcome.REPLACED, replaced.outcome());
            assertNotEquals(oldId, map.info().id());
            assertEquals(8, map.info().valueSize());
            assertEquals(Optional.empty(), map.lookup(1), "a replaced map starts empty");
        }
        // The pin now names the new map: opening it by the wide spec reuses it.
        PinnedMaps.Opened<BpfHashMap<Integer, Long>> reopened = kernel.pins().openOrCreateReporting(wide);
        reopened.map().close();
        assertEquals(PinnedMaps.Outcome.REUSED, reopened.outcome());
    }

    @Test
    void changedMaxEntriesReplacesTheMap() {
        MapSpec<BpfHashMap<Integer, Long>> small = MapSpec.hash("ooc_size", Layout.U32, Layout.U64, 16);
        kernel.pins().openOrCreate(small).close();
        PinnedMaps.Opened<BpfHashMap<Integer, Long>> bigger =
                kernel.pins().openOrCreateReporting(small.withMaxEntries(32));
        try (var map = bigger.map()) {
            assertEquals(PinnedMaps.Outcome.REPLACED, bigger.outcome());
            assertEquals(32, map.info().maxEntries());
        }
    }
}
