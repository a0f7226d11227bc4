package io.membrane.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.membrane.maps.BpfHashMap;
import io.membrane.maps.BpfMaps;
import io.membrane.maps.KernelTest;
import io.membrane.maps.MapSpec;
import io.membrane.maps.layout.Layout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader binds by kernel name, so two agent maps of one kernel name are refused before any compile. */
@Tag("kernel")
class ObjectLoaderBindingTest {
    @TempDir
    Path tmp;

    @Test
    void twoAgentMapsOfOneKernelNameAreRefused() {
        KernelTest.assumeKernel();
        var a = MapSpec.hash("membrane_same_a", Layout.U32, Layout.U32, 4).withKernelName("mbr_same");
        var b = MapSpec.hash("membrane_same_b", Layout.U32, Layout.U32, 4).withKernelName("mbr_same");
        try (BpfHashMap<Integer, Integer> first = BpfMaps.create(a);
                BpfHashMap<Integer, Integer> second = BpfMaps.create(b)) {
            ObjectLoader loader =
                    new ObjectLoader(new ObjectCache(tmp.resolve("cache"), new Clang()), tmp.resolve("no-bpf-tree"));
            LoadException e = assertThrows(
                    LoadException.class, () -> loader.load("bpf_xdp.c", List.of(), List.of(first, second), List.of()));
            assertEquals(
                    "two agent maps have the kernel name mbr_same (membrane_same_a, membrane_same_b): a"
                            + " definition could bind to either",
                    e.getMessage().substring(e.getMessage().indexOf("two")));
        }
    }
}
