package io.membrane.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every map type, created and pinned in the real kernel, written and read back through the typed API. */
@Tag("kernel")
class MapRoundTripTest {
    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @Test
    void hashMapRoundTrip() {
        try (BpfHashMap<Integer, Long> map =
                kernel.pins().openOrCreate(MapSpec.hash("rt_hash", Layout.U32, Layout.U64, 64))) {
            assertEquals(Optional.empty(), map.lookup(7));
            map.put(7, 700L);
            map.update(8, 800L, UpdateFlag.NOEXIST);
            map.update(7, 701L, UpdateFlag.EXIST);
            assertEquals(Optional.of(701L), map.lookup(7));
            assertEquals(Map.of(7, 701L, 8, 800L), map.entries());
            assertEquals(List.of(7, 8), map.keys().stream().sorted().toList());
            assertTrue(map.delete(7));
            assertFalse(map.delete(7));
            assertEquals(Map.of(8, 800L), map.entries());
        }
    }

    @Test
    void lruHashRoundTripAndEviction() {
        try (LruHashMap<Integer, Long> map =
                kernel.pins().openOrCreate(MapSpec.lruHash("rt_lru", Layout.U32, Layout.U64, 256))) {
            map.put(1, 10L);
            assertEquals(Optional.of(10L), map.lookup(1));
            // Far more inserts than capacity never fail: the LRU evicts instead of refusing.
            for (int i = 100; i < 2_000; i++) {
                map.put(i, (long) i);
            }
            int size = map.size();
            assertTrue(size <= 256 && size > 0, "LRU map holds " + size);
            assertEquals(Optional.of(1_999L), map.lookup(1_999));
        }
    }

    @Test
    void arrayRoundTrip() {
        try (ArrayMap<Long> map = kernel.pins().openOrCreate(MapSpec.array("rt_array", Layout.U64, 4))) {
            assertEquals(Optional.of(0L), map.get(3), "array slots exist and start at zero");
            map.set(2, 42L);
            assertEquals(Optional.of(42L), map.get(2));
            assertEquals(List.of(0, 1, 2, 3), map.keys());
            assertEquals(Map.of(0, 0L, 1, 0L, 2, 42L, 3, 0L), map.entries());
            BpfException past = assertThrows(BpfException.class, () -> map.set(4, 1L));
            assertEquals(Errno.E2BIG, past.errno());
            BpfException del = assertThrows(BpfException.class, () -> map.delete(2));
            assertEquals(Errno.EINVAL, del.errno());
        }
    }

    @Test
    void perCpuHashHasOneSlotPerPossibleCpu() {
        int cpus = PossibleCpus.count();
        assertEquals(NativeCpuCount.libbpf(), cpus, "our count agrees with libbpf_num_possible_cpus");
        try (PerCpuHashMap<Integer, Long> map =
                kernel.pins().openOrCreate(MapSpec.perCpuHash("rt_pcpu_hash", Layout.U32, Layout.U64, 16))) {
            List<Long> values = IntStream.range(0, cpus).mapToObj(c -> 100L + c).collect(Collectors.toList());
            map.put(5, values);
            List<Long> back = map.lookup(5).orElseThrow();
            assertEquals(cpus, back.size());
            assertEquals(values, back);
            map.putOnEveryCpu(6, 9L);
            assertEquals(java.util.Collections.nCopies(cpus, 9L), map.lookup(6).orElseThrow());
            assertEquals(2, map.entries().size());
            assertThrows(IllegalArgumentException.class, () -> map.put(7, List.of(1L)));
        }
    }

    @Test
    void perCpuArrayWithPaddedSlots() {
        int cpus = PossibleCpus.count();
        // A 4-byte value occupies an 8-byte slot per CPU: the decoder must skip the padding.
        try (PerCpuArrayMap<Integer> map =
                kernel.pins().openOrCreate(MapSpec.perCpuArray("rt_pcpu_array", Layout.U32, 2))) {
            List<Integer> values =
                    IntStream.range(0, cpus).map(c -> 0x01020304 + c).boxed().toList();
            map.put(1, values);
            assertEquals(values, map.get(1).orElseThrow());
            assertEquals(java.util.Collections.nCopies(cpus, 0), map.get(0).orElseThrow());
        }
    }

    @Test
    void lpmTrieV4AndV6RoundTrip() {
        try (LpmTrieMap<Ipv4Prefix, Byte> v4 =
                        kernel.pins().openOrCreate(MapSpec.lpmTrie("rt_lpm4", Ipv4Prefix.LAYOUT, Layout.U8, 128));
                LpmTrieMap<Ipv6Prefix, Byte> v6 =
                        kernel.pins().openOrCreate(MapSpec.lpmTrie("rt_lpm6", Ipv6Prefix.LAYOUT, Layout.U8, 128))) {
            v4.put(Ipv4Prefix.parse("198.51.100.0/24"), (byte) 1);
            v4.put(Ipv4Prefix.parse("10.0.0.0/8"), (byte) 2);
            assertEquals(
                    Map.of(Ipv4Prefix.parse("198.51.100.0/24"), (byte) 1, Ipv4Prefix.parse("10.0.0.0/8"), (byte) 2),
                    v4.entries());
            v6.put(Ipv6Prefix.parse("2001:db8::/32"), (byte) 3);
            assertEquals(Optional.of((byte) 3), v6.lookup(Ipv6Prefix.host("2001:db8::1")));
            assertEquals(List.of(Ipv6Prefix.parse("2001:db8::/32")), v6.keys());
            assertTrue(v6.delete(Ipv6Prefix.parse("2001:db8::/32")));
            assertEquals(Optional.empty(), v6.lookup(Ipv6Prefix.host("2001:db8::1")));
        }
    }

    @Test
    void perfEventArrayAcceptsPerfEventsOnly() {
        try (PerfEventArrayMap map =
                        kernel.pins().openOrCreate(MapSpec.perfEventArray("rt_perf", PossibleCpus.count()));
                TestPrograms.Handle event = TestPrograms.bpfOutputEvent(0);
                TestPrograms.Handle notAnEvent = TestPrograms.xdpPass()) {
            map.set(0, event.fd());
            assertTrue(map.clear(0), "the slot held the event");
            assertFalse(map.clear(0), "the slot is empty after clearing");
            BpfException wrong = assertThrows(BpfException.class, () -> map.set(0, notAnEvent.fd()));
            assertEquals("set perf event", wrong.operation());
            assertEquals("rt_perf", wrong.objectName());
        }
    }

    @Test
    void programArrayReportsProgramIds() {
        try (ProgramArrayMap map = kernel.pins().openOrCreate(MapSpec.programArray("rt_progs", 4));
                TestPrograms.Handle prog = TestPrograms.xdpPass()) {
            assertEquals(Optional.empty(), map.programId(1));
            map.set(1, prog);
            int id = map.programId(1).orElseThrow();
            assertTrue(id > 0, "the kernel reports the program's id");
            assertTrue(map.clear(1));
            assertEquals(Optional.empty(), map.programId(1));
        }
    }

    @Test
    void hashOfMapsHoldsInnerMaps() {
        MapSpec<BpfHashMap<Integer, Long>> inner = MapSpec.hash("rt_inner", Layout.U32, Layout.U64, 8);
        try (HashOfMapsMap<Integer> outer =
                        kernel.pins().openOrCreate(MapSpec.hashOfMaps("rt_outer", Layout.U32, inner, 4));
                BpfHashMap<Integer, Long> a = BpfMaps.create(inner);
                BpfHashMap<Integer, Integer> wrongShape =
                        BpfMaps.create(MapSpec.hash("rt_inner_bad", Layout.U32, Layout.U32, 8))) {
            outer.put(11, a);
            assertEquals(Optional.of(a.info().id()), outer.innerMapId(11));
            assertEquals(List.of(11), outer.keys());
            BpfException shape = assertThrows(BpfException.class, () -> outer.put(12, wrongShape));
            assertEquals(Errno.EINVAL, shape.errno());
            assertTrue(outer.delete(11));
        }
    }

    @Test
    void batchUpdateLookupAndDelete() {
        try (BpfHashMap<Integer, Long> map =
                kernel.pins().openOrCreate(MapSpec.hash("rt_batch", Layout.U32, Layout.U64, 5_000))) {
            List<Integer> keys = IntStream.range(0, 3_000).boxed().toList();
            List<Long> values = keys.stream().map(k -> k * 3L).toList();
            map.updateBatch(keys, values, UpdateFlag.ANY);
            Map<Integer, Long> all = map.entries();
            assertEquals(3_000, all.size());
            keys.forEach(k -> assertEquals(k * 3L, all.get(k)));

            // Key 3 already exists: NOEXIST stops there, after the three new keys before it.
            List<Integer> clash = List.of(4_000, 4_001, 4_002, 3, 4_004);
            BatchException e = assertThrows(
                    BatchException.class,
                    () -> map.updateBatch(clash, List.of(1L, 1L, 1L, 1L, 1L), UpdateFlag.NOEXIST));
            assertEquals(Errno.EEXIST, e.errno());
            assertEquals(3, e.processed());
            assertTrue(map.lookup(4_002).isPresent());
            assertFalse(map.lookup(4_004).isPresent());

            // The map holds 3,003 of 5,000: a kernel batch of 2,500 new keys fills it and stops with E2BIG.
            List<Integer> overflow = IntStream.range(10_000, 12_500).boxed().toList();
            BatchException full = assertThrows(
                    BatchException.class,
                    () -> map.updateBatch(
                            overflow, java.util.Collections.nCopies(overflow.size(), 5L), UpdateFlag.ANY));
            assertEquals(Errno.E2BIG, full.errno());
            assertEquals(1_997, full.processed());
            assertEquals(5_000, map.size());

            List<Integer> toDelete = new ArrayList<>(keys.subList(0, 1_000));
            map.deleteBatch(toDelete);
            assertEquals(4_000, map.size());
            BatchException missing =
                    assertThrows(BatchException.class, () -> map.deleteBatch(List.of(2_000, 1, 2_001)));
            assertEquals(Errno.ENOENT, missing.errno());
            assertEquals(1, missing.processed());
        }
    }

    @Test
    void lpmTrieBatchUpdate() {
        try (LpmTrieMap<Ipv4Prefix, Byte> map =
                kernel.pins().openOrCreate(MapSpec.lpmTrie("rt_lpm_batch", Ipv4Prefix.LAYOUT, Layout.U8, 4_096))) {
            List<Ipv4Prefix> keys = IntStream.range(0, 1_000)
                    .mapToObj(i -> new Ipv4Prefix(0x0a000000 | i << 8, 24))
                    .toList();
            map.updateBatch(keys, java.util.Collections.nCopies(keys.size(), (byte) 1), UpdateFlag.ANY);
            assertEquals(1_000, map.size());
            assertEquals(Optional.of((byte) 1), map.lookup(Ipv4Prefix.host("10.0.3.9")));
        }
    }
}
