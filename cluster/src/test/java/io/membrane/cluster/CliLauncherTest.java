package io.membrane.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/membrane's client launch (cluster/src/main/cli/client.jvm): with a missing, foreign or corrupt class-data
 * archive the client command still runs, and the user sees only its own one line.
 */
class CliLauncherTest {
    @TempDir
    Path tmp;

    @Test
    void aMissingOrBadArchiveChangesNothingTheUserSees() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path garbage = Files.writeString(tmp.resolve("garbage.jsa"), "not an archive");
        String expected = "membrane: cannot reach the agent at http://127.0.0.1:" + port
                + " (is it running? start it with: bin/membrane agent)\n";
        for (Path archive : List.of(tmp.resolve("missing.jsa"), garbage)) {
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "@" + Path.of("src/main/cli/client.jvm").toAbsolutePath(),
                    "-XX:SharedArchiveFile=" + archive,
                    "-cp",
                    System.getProperty("java.class.path"),
                    ClusterCli.class.getName(),
                    "status",
                    "--api",
                    "http://127.0.0.1:" + port));
            Process p = new ProcessBuilder(cmd)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(1, p.waitFor(), err);
            assertEquals(expected, err, archive.toString());
        }
    }
}
