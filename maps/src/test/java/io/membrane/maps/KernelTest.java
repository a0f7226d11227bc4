package io.membrane.maps;

import io.membrane.maps.sys.NativeLibs;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit extension for tests that need the real kernel: it skips (saying what is missing) only when this is
 * not root or libbpf cannot be loaded, and gives each test its own uniquely named pin root, removed after the
 * test whatever happened.
 */
public final class KernelTest implements BeforeEachCallback, AfterEachCallback {
    private PinnedMaps pins;

    /** Skips the calling test unless it can use bpf(2). */
    public static void assumeKernel() {
        try {
            NativeLibs.bpf();
        } catch (RuntimeException | LinkageError e) {
            Assumptions.abort("kernel test skipped: " + e.getMessage());
        }
        try (ArrayMap<Integer> probe =
                BpfMaps.create(MapSpec.array("mbr_probe", io.membrane.maps.layout.Layout.U32, 1))) {
            probe.set(0, 1);
        } catch (BpfException e) {
            Assumptions.abort("kernel test skipped: cannot create a BPF map (" + e.getMessage()
                    + "); run as root on a kernel with bpf(2)");
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        assumeKernel();
        String unique = "mbr-test-" + UUID.randomUUID().toString().substring(0, 8);
        pins = PinnedMaps.at(Path.of("/sys/fs/bpf", unique));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (pins != null) {
            pins.removeAll();
            pins = null;
        }
    }

    public PinnedMaps pins() {
        return pins;
    }
}
