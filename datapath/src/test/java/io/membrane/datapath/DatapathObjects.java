package io.membrane.datapath;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The real datapath objects (bpf/bpf_xdp.c, bpf/bpf_lxc.c) compiled once per JVM with headers generated the
 * way the agent generates them, for tests that read their BTF without loading them.
 */
final class DatapathObjects {
    private static Path xdp;
    private static Path lxc;

    private DatapathObjects() {}

    static synchronized Path xdp() {
        compile();
        return xdp;
    }

    static synchronized Path lxc() {
        compile();
        return lxc;
    }

    private static void compile() {
        if (xdp != null) {
            return;
        }
        try {
            Path dir = Files.createTempDirectory("mbr-datapath-objects");
            DatapathMaps maps = DatapathMaps.defaults();
            Path node = dir.resolve("node");
            ConfigHeaders.writeNode(node, maps, ConfigHeaders.Node.DEFAULT);
            Path endpoint = dir.resolve("endpoint");
            ConfigHeaders.write(endpoint, ConfigHeaders.ENDPOINT, ConfigHeaders.endpointTemplate(maps));
            ObjectCache cache = new ObjectCache(dir.resolve("cache"), new Clang());
            xdp = cache.compile(PrefilterDropTest.BPF_DIR.resolve("bpf_xdp.c"), List.of(node))
                    .object();
            lxc = cache.compile(PrefilterDropTest.BPF_DIR.resolve("bpf_lxc.c"), List.of(endpoint, node))
                    .object();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
