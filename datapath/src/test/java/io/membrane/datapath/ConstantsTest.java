package io.membrane.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.KernelTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One compiled object, loaded several times with its own constants each time (libbpf's .rodata, set before load):
 * the template path endpoints are programmed by, proven by what the kernel runs.
 */
@Tag("kernel")
class ConstantsTest {
    static final int XDP_ABORTED = 0;
    static final int XDP_TX = 3;

    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    private static Path object;

    @BeforeAll
    static void compileOnce() throws IOException {
        Path source = Path.of("src/test/resources/bpf/test_constants.c").toAbsolutePath();
        object = new ObjectCache(Files.createTempDirectory("mbr-test-constants"), new Clang())
                .compile(source, List.of())
                .object();
    }

    private static byte[] config(int verdict, int tag) {
        return ByteBuffer.allocate(8)
                .order(ByteOrder.nativeOrder())
                .putInt(verdict)
                .putInt(tag)
                .array();
    }

    private static int verdictOf(BpfObject loaded) {
        return TestRun.run(loaded.program("xdp_configured"), new byte[64], 1).returnCode();
    }

    @Test
    void eachLoadRunsWithItsOwnConstants() {
        try (BpfObject drop = BpfObject.open(object);
                BpfObject pass = BpfObject.open(object);
                BpfObject unset = BpfObject.open(object);
                BpfObject tx = BpfObject.open(object)) {
            drop.setConstant("CONFIG", config(TestRun.XDP_DROP, 7));
            pass.setConstant("CONFIG", config(TestRun.XDP_PASS, 8));
            tx.setConstant("CONFIG", config(TestRun.XDP_PASS, 9));
            tx.setConstant("PORT", new byte[] {1, 0}); // a second constant, at its own offset
            drop.load();
            pass.load();
            unset.load();
            tx.load();
            assertEquals(TestRun.XDP_DROP, verdictOf(drop));
            assertEquals(TestRun.XDP_PASS, verdictOf(pass));
            assertEquals(XDP_ABORTED, verdictOf(unset), "constants left unset are zero: the program aborts");
            assertEquals(XDP_TX, verdictOf(tx));
            assertEquals(TestRun.XDP_DROP, verdictOf(drop), "the later loads did not change the first");
        }
    }

    @Test
    void theSectionListsEveryConstantWithItsSize() {
        try (BpfObject obj = BpfObject.open(object)) {
            List<Btf.Variable> vars = obj.btf().section(".rodata").orElseThrow();
            assertEquals(
                    8,
                    vars.stream()
                            .filter(v -> v.name().equals("CONFIG"))
                            .findFirst()
                            .orElseThrow()
                            .size());
            assertEquals(
                    2,
                    vars.stream()
                            .filter(v -> v.name().equals("PORT"))
                            .findFirst()
                            .orElseThrow()
                            .size());
            assertEquals(Optional.empty(), obj.btf().section(".no_such_section"));
        }
    }

    @Test
    void anUnknownConstantAWrongSizeOrALateSetIsRefusedByName() {
        try (BpfObject obj = BpfObject.open(object)) {
            LoadException unknown = assertThrows(LoadException.class, () -> obj.setConstant("SECLABEL", new byte[4]));
            assertTrue(unknown.getMessage().contains("SECLABEL"), unknown.getMessage());
            LoadException size = assertThrows(LoadException.class, () -> obj.setConstant("CONFIG", new byte[4]));
            assertTrue(size.getMessage().contains("8 bytes, not the 4"), size.getMessage());
            obj.load();
            assertEquals(XDP_ABORTED, verdictOf(obj), "the refused sets wrote nothing");
            assertThrows(IllegalStateException.class, () -> obj.setConstant("CONFIG", config(1, 1)));
        }
        try (BpfObject plain = BpfObject.open(TestObjects.object())) {
            LoadException none = assertThrows(LoadException.class, () -> plain.setConstant("CONFIG", new byte[8]));
            assertTrue(none.getMessage().contains("CONFIG"), none.getMessage());
        }
    }
}
