package io.membrane.actors;

import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** Configurations and an HTTP client for agents started inside tests. */
public final class TestAgents {
    public static final Path BPF_DIR = Path.of("..", "bpf").toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestAgents() {
    }

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
        return AgentConfig.from(ConfigFactory.parseString(text).withFallback(ConfigFactory.defaultReference()).resolve());
    }

    public record Response(int status, String body) {
    }

    public static Response send(String method, String url, String body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
            if (body == null) {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                b.method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
            }
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + url + ": " + e.getMessage(), e);
        }
    }
}
