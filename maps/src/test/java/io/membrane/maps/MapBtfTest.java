package io.membrane.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every keyed map type we create carries the BTF of its layouts, so bpftool prints member names: checked with
 * bpftool itself on one map of each type, and the kernel name it shows is the spec's.
 */
@Tag("kernel")
class MapBtfTest {
    record Flow(int id, int port, int protocol) {}

    record Counts(long packets, long bytes) {}

    static final Layout<Flow> FLOW = Layout.of(
            "test_flow",
            8,
            List.of(Field.u32("id", 0), Field.be16("port", 4), Field.u8("proto", 6), Field.padding("pad", 7, 1)),
            (k, b, o) -> b.putInt(o, k.id())
                    .putShort(o + 4, Short.reverseBytes((short) k.port()))
                    .put(o + 6, (byte) k.protocol()),
            (b, o) -> new Flow(b.getInt(o), Short.reverseBytes(b.getShort(o + 4)) & 0xffff, b.get(o + 6)));
    static final Layout<Counts> COUNTS = Layout.of(
            "test_counts",
            16,
            List.of(Field.u64("packets", 0), Field.u64("bytes", 8)),
            (v, b, o) -> b.putLong(o, v.packets()).putLong(o + 8, v.bytes()),
            (b, o) -> new Counts(b.getLong(o), b.getLong(o + 8)));

    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @Test
    void hashKeysAndValuesAreNamed() {
        check(
                MapSpec.hash("btf_hash", FLOW, COUNTS, 8),
                m -> m.put(new Flow(7, 80, 6), new Counts(3, 180)),
                "\"key\":{\"id\":7,\"port\":20480,\"proto\":6,\"pad\":[0]},\"value\":{\"packets\":3,\"bytes\":180}");
    }

    @Test
    void lruHashKeysAndValuesAreNamed() {
        check(
                MapSpec.lruHash("btf_lru", FLOW, COUNTS, 8),
                m -> m.put(new Flow(8, 443, 17), new Counts(1, 2)),
                "\"key\":{\"id\":8,\"port\":47873,\"proto\":17,\"pad\":[0]},\"value\":{\"packets\":1,\"bytes\":2}");
    }

    @Test
    void lpmTrieKeysAreStructs() {
        check(
                MapSpec.lpmTrie("btf_lpm", Ipv4Prefix.LAYOUT, Layout.U8, 8),
                m -> m.put(Ipv4Prefix.parse("203.0.113.0/24"), (byte) 1),
                "\"key\":{\"prefixlen\":24,\"addr\":[203,0,113,0]},\"value\":1");
    }

    @Test
    void scalarKeysStayScalars() {
        check(
                MapSpec.hashNoPrealloc("btf_be32", Ipv4Prefix.ADDRESS_LAYOUT, Layout.U8, 8),
                m -> m.put(Ipv4Prefix.host("10.0.0.1"), (byte) 1),
                "\"key\":16777226,\"value\":1");
    }

    @Test
    void arrayIndexesAreU32() {
        check(
                MapSpec.array("btf_array", COUNTS, 2),
                m -> m.set(1, new Counts(5, 6)),
                "\"key\":1,\"value\":{\"packets\":5,\"bytes\":6}");
    }

    @Test
    void perCpuValuesAreNamedPerCpu() {
        check(
                MapSpec.perCpuArray("btf_pcpu_arr", COUNTS, 1),
                m -> m.putOnEveryCpu(0, new Counts(9, 10)),
                "\"value\":{\"packets\":9,\"bytes\":10}");
        check(
                MapSpec.perCpuHash("btf_pcpu_hash", FLOW, COUNTS, 4),
                m -> m.putOnEveryCpu(new Flow(1, 53, 17), new Counts(4, 4)),
                "\"key\":{\"id\":1,\"port\":13568,\"proto\":17,\"pad\":[0]}");
    }

    @Test
    void kernelNameIsTheSpecsOwn() {
        MapSpec<BpfHashMap<Integer, Long>> spec = MapSpec.hash("membrane_long_pin_name", Layout.U32, Layout.U64, 4)
                .withKernelName("mbr_short");
        try (var map = kernel.pins().openOrCreate(spec)) {
            assertEquals("mbr_short", Bpftool.show(kernel.pins().pathOf(spec)).name());
            assertEquals("mbr_short", map.info().name());
        }
    }

    private <M extends BpfMap<?, ?>> void check(MapSpec<M> spec, Consumer<M> fill, String expectedInDump) {
        try (M map = kernel.pins().openOrCreate(spec)) {
            fill.accept(map);
            Bpftool.Shown shown = Bpftool.show(kernel.pins().pathOf(spec));
            assertTrue(shown.btfId() > 0, spec.name() + " has BTF: " + shown);
            assertEquals(spec.kernelName(), shown.name());
            String dump = Bpftool.dump(kernel.pins().pathOf(spec));
            assertTrue(dump.contains("\"formatted\":"), dump);
            assertTrue(dump.contains(expectedInDump), "expected " + expectedInDump + " in " + dump);
        }
    }
}
