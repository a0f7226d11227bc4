package io.membrane.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What a clustered agent checks before it starts; needs no kernel. */
class ClusterNodeTest {
    @Test
    void theAgentRefusesToStartWithoutTheOpensLmdbNeeds() throws Exception {
        ClusterNode.requireLmdbAccess(); // this JVM has them (surefire's argLine)
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        LmdbAccessProbe.class.getName())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(3, p.waitFor(), output);
        assertTrue(
                output.contains("needs java.base packages [java.nio, sun.nio.ch] opened: start the JVM with "
                        + "--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED"),
                output);
    }
}
