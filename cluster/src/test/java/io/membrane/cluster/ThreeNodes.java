package io.membrane.cluster;

import static io.membrane.cluster.ClusterTestSupport.deleteTree;
import static io.membrane.cluster.ClusterTestSupport.freePort;
import static io.membrane.cluster.ClusterTestSupport.nodeConfig;
import static io.membrane.cluster.ClusterTestSupport.seedLine;
import static io.membrane.cluster.ClusterTestSupport.upMembers;
import static org.awaitility.Awaitility.await;

import io.membrane.actors.AgentNode;
import io.membrane.maps.PinnedMaps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.IntFunction;

/**
 * Three clustered agents in this JVM, each with its own pin root (unique per start) and run directory, seeded from
 * the first; started once every node sees all three up. {@link #close} stops them and removes their pins and run
 * directories (a durable store included), whatever the test did.
 */
final class ThreeNodes implements AutoCloseable {
    final List<AgentNode> nodes = new ArrayList<>();
    private final List<PinnedMaps> pins = new ArrayList<>();
    private final List<Path> runDirs = new ArrayList<>();

    private ThreeNodes() {}

    /**
     * @param tag   a few letters naming the test in pin and directory names
     * @param extra config appended for node i (0..2), after its seed line
     */
    static ThreeNodes start(String tag, IntFunction<String> extra, Duration wait) throws IOException {
        ThreeNodes three = new ThreeNodes();
        int[] ports = {freePort(), freePort(), freePort()};
        String seed = "pekko://membrane@127.0.0.1:" + ports[0];
        String id = UUID.randomUUID().toString().substring(0, 6);
        try {
            for (int i = 0; i < 3; i++) {
                PinnedMaps p = PinnedMaps.at(Path.of("/sys/fs/bpf", "mbr-test-" + tag + "-" + id + "-n" + (i + 1)));
                three.pins.add(p);
                Path run = Files.createTempDirectory("mbr-" + tag + "-n" + (i + 1));
                three.runDirs.add(run);
                three.nodes.add(ClusterNode.start(
                        nodeConfig(p.root(), run, "n" + (i + 1), ports[i], seedLine(seed) + extra.apply(i))));
            }
            await("three members up on n1 and n3")
                    .atMost(wait)
                    .until(
                            () -> List.of(upMembers(three.nodes.get(0)), upMembers(three.nodes.get(2))),
                            up -> up.equals(List.of(3, 3)));
            return three;
        } catch (RuntimeException | IOException e) {
            three.close();
            throw e;
        }
    }

    AgentNode get(int i) {
        return nodes.get(i);
    }

    @Override
    public void close() throws IOException {
        nodes.forEach(AgentNode::close);
        pins.forEach(PinnedMaps::removeAll);
        for (Path dir : runDirs) {
            deleteTree(dir);
        }
    }
}
