package io.membrane.tests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.lab.Lab;
import io.membrane.maps.KernelTest;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The three-node lab of one test class. The lab's names are fixed, so {@link #up} first removes a lab left on this
 * machine; {@link #down} keeps the nodes' logs under {@code target/} and removes everything else whatever the tests
 * did (a lab that failed to come up included), and checks that nothing of the lab is left. A class whose kernel
 * assumption failed never touched the lab, and its {@code down} does nothing.
 */
final class LabFixture {
    private final Consumer<String> log;
    private Lab lab;
    private boolean touched;

    /** @param log where the lab's progress goes, each line stamped with the seconds since {@code t0} */
    LabFixture(long t0) {
        this.log = s -> System.out.printf("[%6.1f s] %s%n", (System.nanoTime() - t0) / 1e9, s);
    }

    Lab up() {
        KernelTest.assumeKernel();
        touched = true;
        Lab.down(log);
        lab = Lab.up(Lab.Options.defaults().withNodes(3), log);
        return lab;
    }

    void down(String logsDir) {
        if (!touched) {
            return;
        }
        try {
            if (lab != null) {
                lab.saveLogs(Path.of("target", logsDir));
            }
        } finally {
            Lab.down(log);
        }
        assertEquals(List.of(), Lab.present(), "nothing of the lab is left");
    }

    Consumer<String> log() {
        return log;
    }

    /**
     * Waits until the node's pinned ipcache maps {@code prefix} to {@code identity} exactly (-1: holds no entry for
     * it), read by this process as the datapath reads it. Exact, not a lookup: the trie's longest match would
     * answer world for a missing prefix.
     */
    static void awaitPinned(Lab lab, Lab.Node node, Ipv4Prefix prefix, long identity) {
        DatapathMaps maps = new DatapathMaps(lab.options().mapSizes());
        await(node.name() + "'s pinned ipcache: " + prefix + " -> " + identity)
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    try (LpmTrieMap<IpcacheKey, IpcacheValue> map = PinnedMaps.at(node.pinRoot())
                            .openExisting(maps.spec(DatapathMaps.IPCACHE))
                            .orElseThrow()) {
                        IpcacheValue v = map.entries().get(IpcacheKey.of(prefix));
                        return (v == null ? -1 : Integer.toUnsignedLong(v.identity())) == identity;
                    }
                });
    }
}
