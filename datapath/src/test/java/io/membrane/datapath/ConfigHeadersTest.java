package io.membrane.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generated headers: every map name and size from the registry, deterministic bytes, untouched when equal. */
class ConfigHeadersTest {
    @TempDir
    Path dir;

    @Test
    void nodeHeaderNamesEveryGlobalMapWithItsSize() {
        DatapathMaps maps = DatapathMaps.defaults();
        String node = ConfigHeaders.node(maps, new ConfigHeaders.Node(Optional.of(0x0a000001), true, false, 7, true));
        for (DatapathMaps.Shared<?> m : maps.inHeader(DatapathMaps.Header.NODE)) {
            assertTrue(node.contains("#define " + m.macro() + " " + maps.spec(m).kernelName() + "\n"), m.macro());
            assertTrue(
                    node.contains(
                            "#define " + m.macro() + "_SIZE " + maps.spec(m).maxEntries() + "\n"),
                    m.macro());
        }
        assertTrue(node.contains("#define IPCACHE_MAP mbr_ipcache\n#define IPCACHE_MAP_SIZE 512000\n"), node);
        assertTrue(node.contains("#define NODE_IPV4 bpf_htonl(0x0a000001) /* 10.0.0.1 */\n"), node);
        assertTrue(node.contains("#define ENABLE_IPV4 1\n") && !node.contains("ENABLE_IPV6"), node);
        assertTrue(node.contains("#define PREFILTER_NOTIFY_BUDGET 7\n")
                && node.contains("#define CONNTRACK_ACCOUNTING 1\n"));
        String prefilter = ConfigHeaders.prefilter(maps);
        assertTrue(prefilter.contains("#define CIDR4_DYN_MAP mbr_cidr4_dyn\n#define CIDR4_DYN_MAP_SIZE 65536\n"));
    }

    @Test
    void everySharedMapIsInOneHeaderAndKernelNamesAreDistinct() {
        DatapathMaps maps = DatapathMaps.defaults();
        String both = ConfigHeaders.node(maps, ConfigHeaders.Node.DEFAULT) + ConfigHeaders.prefilter(maps);
        java.util.Set<String> kernelNames = new java.util.HashSet<>();
        for (DatapathMaps.Shared<?> m : DatapathMaps.declared()) {
            var spec = maps.spec(m);
            assertTrue(both.contains("#define " + m.macro() + " " + spec.kernelName() + "\n"), m.macro());
            assertTrue(spec.kernelName().length() <= 15, spec.kernelName());
            assertTrue(kernelNames.add(spec.kernelName()), "duplicate kernel name " + spec.kernelName());
            assertTrue(spec.name().startsWith("membrane_"), spec.name());
        }
        assertEquals(11, kernelNames.size());
    }

    @Test
    void sameInputSameBytesAndAnUnchangedFileIsNotRewritten() throws Exception {
        DatapathMaps maps = DatapathMaps.defaults();
        assertEquals(ConfigHeaders.endpointTemplate(maps), ConfigHeaders.endpointTemplate(DatapathMaps.defaults()));
        assertEquals(
                ConfigHeaders.node(maps, ConfigHeaders.Node.DEFAULT),
                ConfigHeaders.node(maps, ConfigHeaders.Node.DEFAULT));
        String text = ConfigHeaders.endpointTemplate(maps);
        // The template names no endpoint: each endpoint's policy map is bound to this definition by fd.
        assertTrue(text.contains("#define POLICY_MAP mbr_policy\n"), text);
        assertTrue(text.contains("#define POLICY_MAP_SIZE " + maps.sizes().policy() + "\n"), text);
        assertFalse(text.contains("SECLABEL") || text.contains("LXC_ID"), "values are constants set at load: " + text);
        assertEquals("membrane_policy_00042", maps.policy(42).name(), "the pin keeps the long name");
        assertFalse(text.matches("(?s).*20[0-9][0-9]-.*"), "no timestamps: " + text);

        Path file = ConfigHeaders.write(dir, ConfigHeaders.ENDPOINT, text);
        FileTime old = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(file, old);
        ConfigHeaders.write(dir, ConfigHeaders.ENDPOINT, text);
        assertEquals(old, Files.getLastModifiedTime(file), "equal bytes leave the file (and the cache key) alone");
        ConfigHeaders.write(dir, ConfigHeaders.ENDPOINT, text.replace("mbr_policy", "mbr_policy2"));
        assertTrue(Files.readString(file).contains("#define POLICY_MAP mbr_policy2"));
    }
}
