package io.membrane.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.BpfHashMap;
import io.membrane.maps.Errno;
import io.membrane.maps.KernelTest;
import io.membrane.maps.MapSpec;
import io.membrane.maps.layout.Layout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Binding an object's maps to the agent's pinned maps, and refusing objects that disagree with them. */
@Tag("kernel")
class LoaderTest {
    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    /** The test object's value as raw bytes: 16 bytes of struct test_pair, bytes counter at offset 8. */
    static final Layout<Long> PAIR_BYTES =
            Layout.of("test_pair", 16, List.of(), (v, b, o) -> b.putLong(o + 8, v), (b, o) -> b.getLong(o + 8));

    @Test
    void boundMapIsSharedBetweenProgramAndAgent() {
        var spec = MapSpec.hash("test_values", Layout.U32, PAIR_BYTES, 16);
        try (BpfHashMap<Integer, Long> agentMap = kernel.pins().openOrCreate(spec);
                BpfObject obj = BpfObject.open(TestObjects.object())) {
            agentMap.put(0, 1000L);
            obj.bind("test_values", agentMap);
            obj.load();
            Program prog = obj.program("xdp_pass_b");
            byte[] packet = new byte[64];
            TestRun.Result r = TestRun.run(prog, packet, 10);
            assertEquals(2, r.returnCode(), "XDP_PASS");
            // The program counted 10 runs x 64 bytes into the agent's own pinned map.
            assertEquals(1000L + 640L, agentMap.lookup(0).orElseThrow());
        }
    }

    @Test
    void objectDisagreeingWithTheAgentsMapIsRefusedNamingMapAndField() {
        var narrow = MapSpec.hash("test_values", Layout.U32, Layout.U64, 16);
        try (BpfHashMap<Integer, Long> agentMap = kernel.pins().openOrCreate(narrow);
                BpfObject obj = BpfObject.open(TestObjects.object())) {
            LoadException e = assertThrows(LoadException.class, () -> obj.bind("test_values", agentMap));
            assertTrue(
                    e.getMessage()
                            .contains(
                                    "map test_values disagrees with the agent's map on value_size: object has 16, agent has 8"),
                    e.getMessage());
        }
        var bigger = MapSpec.hash("test_values2", Layout.U32, PAIR_BYTES, 32);
        try (BpfHashMap<Integer, Long> agentMap = kernel.pins().openOrCreate(bigger);
                BpfObject obj = BpfObject.open(TestObjects.object())) {
            LoadException e = assertThrows(LoadException.class, () -> obj.bind("test_values", agentMap));
            assertTrue(e.getMessage().contains("max_entries: object has 16, agent has 32"), e.getMessage());
        }
    }

    @Test
    void unknownMapAndProgramAreNamed() {
        var spec = MapSpec.hash("test_values", Layout.U32, PAIR_BYTES, 16);
        try (BpfHashMap<Integer, Long> agentMap = kernel.pins().openOrCreate(spec);
                BpfObject obj = BpfObject.open(TestObjects.object())) {
            LoadException e = assertThrows(LoadException.class, () -> obj.bind("membrane_nope", agentMap));
            assertTrue(e.getMessage().endsWith("defines no map membrane_nope"), e.getMessage());
            obj.load();
            LoadException p = assertThrows(LoadException.class, () -> obj.program("nope"));
            assertTrue(p.getMessage().endsWith("has no program nope"), p.getMessage());
        }
    }

    @Test
    void libbpfRefusingTheFileCarriesItsErrno() throws Exception {
        Path junk = Files.createTempFile("mbr-not-elf", ".o");
        try {
            Files.writeString(junk, "not an ELF object");
            LoadException e = assertThrows(LoadException.class, () -> BpfObject.open(junk));
            assertTrue(e.rawErrno() > 0, e.getMessage());
            assertTrue(e.errno().isPresent(), e.getMessage());
            assertTrue(
                    e.getMessage()
                            .startsWith(
                                    junk.getFileName() + ": libbpf cannot open it: " + Errno.describe(e.rawErrno())),
                    e.getMessage());
        } finally {
            Files.deleteIfExists(junk);
        }
    }

    @Test
    void theErrnoGoesAfterTheFirstLineAndBeforeTheLog() {
        LoadException e = new LoadException("x.o", -13, "load failed\n0: (b7) r0 = 0\nR1 invalid mem access");
        assertEquals(
                "x.o: load failed: EACCES (Permission denied)\n0: (b7) r0 = 0\nR1 invalid mem access", e.getMessage());
        assertEquals(Optional.of(Errno.EACCES), e.errno());
        LoadException none = new LoadException("x.o", "layout check failed");
        assertEquals(Optional.empty(), none.errno());
        assertEquals(0, none.rawErrno());
    }

    @Test
    void missingObjectFileIsNamed() {
        LoadException e =
                assertThrows(LoadException.class, () -> BpfObject.open(java.nio.file.Path.of("/nonexistent/x.o")));
        assertTrue(e.getMessage().contains("no such object file /nonexistent/x.o"), e.getMessage());
    }
}
