package io.membrane.actors;

import com.typesafe.config.ConfigFactory;
import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.client.AdminTransport;
import io.membrane.datapath.DatapathMaps;
import io.membrane.maps.PinnedMaps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/** Configurations and API clients for agents started inside tests. */
public final class TestAgents {
    public static final Path BPF_DIR = Path.of("..", "bpf").toAbsolutePath().normalize();

    private TestAgents() {}

    /**
     * A config with small maps, an ephemeral API port, and the given pin root, run dir and devices (HOCON
     * list text, e.g. {@code [{name = "x", xdp-mode = generic, netns = "ns"}]}).
     */
    public static AgentConfig config(Path pinRoot, Path runDir, String devices, String extra) {
        String text = "membrane {\n"
                + " pin-root = \"" + pinRoot + "\"\n"
                + " run-dir = \"" + runDir + "\"\n"
                + " bpf-dir = \"" + BPF_DIR + "\"\n"
                + " api.port = 0\n"
                + " devices = " + devices + "\n"
                + " maps { cidr-fix = 1024, cidr-dyn = 1024, ipcache = 1024, lxc = 256, ct4 = 1024, ct6 = 1024, policy = 256 }\n"
                + " device-retry { min = 100ms, max = 1s, check-interval = 200ms }\n"
                + "}\n" + extra;
        return AgentConfig.from(ConfigFactory.parseString(text)
                .withFallback(ConfigFactory.defaultReference())
                .resolve());
    }

    /** The typed client of {@code agent}'s API, as the CLI has it but with a 30 s request timeout. */
    public static AdminClient client(AgentNode agent) {
        return AdminClient.connect(agent.apiBase(), Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    /** A pin root of its own for a test class ({@code /sys/fs/bpf/mbr-test-LABEL-xxxxxxxx}); remove it afterwards. */
    public static PinnedMaps freshPins(String label) {
        return PinnedMaps.at(Path.of(
                "/sys/fs/bpf",
                "mbr-test-" + label + "-" + UUID.randomUUID().toString().substring(0, 8)));
    }

    /** Everything the four CIDR maps of {@code agent} hold, straight from the kernel, by map. */
    public static Map<String, Object> denyMaps(AgentNode agent) {
        var m = agent.targets().maps();
        Map<String, Object> state = new TreeMap<>();
        state.put(
                "fix4",
                m.get(DatapathMaps.CIDR4_FIX).keys().stream()
                        .map(Object::toString)
                        .sorted()
                        .toList());
        state.put(
                "dyn4",
                m.get(DatapathMaps.CIDR4_DYN).keys().stream()
                        .map(Object::toString)
                        .sorted()
                        .toList());
        state.put(
                "fix6",
                m.get(DatapathMaps.CIDR6_FIX).keys().stream()
                        .map(Object::toString)
                        .sorted()
                        .toList());
        state.put(
                "dyn6",
                m.get(DatapathMaps.CIDR6_DYN).keys().stream()
                        .map(Object::toString)
                        .sorted()
                        .toList());
        return state;
    }

    /** A raw reply: for requests the typed client would never send (bad bodies) and replies it hides. */
    public record Response(int status, String body) {}

    /** {@code method} {@code path} of {@code agent}'s API with {@code body} (null: none), through its transport. */
    public static Response send(AgentNode agent, String method, String path, String body) {
        Map<String, String> headers = body == null ? Map.of() : Map.of("Content-Type", "application/json");
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        try {
            AdminTransport.Response r =
                    client(agent).transport().send(new AdminTransport.Request(method, path, headers, bytes));
            return new Response(r.status(), r.bodyText());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + ": " + e.getMessage(), e);
        }
    }
}
