package io.membrane.actors.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.membrane.actors.AgentNode;
import io.membrane.actors.TestAgents;
import io.membrane.actors.api.client.AdminApiException;
import io.membrane.actors.api.client.AdminClient;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.PrefilterChange;
import io.membrane.maps.KernelTest;
import io.membrane.maps.PinnedMaps;
import io.membrane.topology.Command;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Who reaches a real agent's API, tried as an unprivileged user ({@code runuser -u nobody}) with curl: the unix
 * socket refuses nobody's connection (and admits nobody once in the socket's group, so it is the socket's mode
 * that refuses); over plain TCP nobody gets metrics and health and a 404 for everything else; on the token
 * listener a request without the token is a 401. After every refused change the kernel's maps are read back
 * and are as they were. Root with the token changes the list over TCP.
 */
@Tag("kernel")
class AdminAccessTest {
    private static final String TOKEN = "membrane-test-" + UUID.randomUUID();
    private static final String SOCKET_GROUP = "daemon";
    private static final String DENY = "{\"deny\":[\"198.51.100.7/32\",\"203.0.113.0/24\"]}";
    private static PinnedMaps pins;
    private static Path runDir;
    private static AgentNode agent;

    @BeforeAll
    static void start() throws Exception {
        KernelTest.assumeKernel();
        pins = TestAgents.freshPins("access");
        // Everyone may enter the run dir, as /var/run/membrane: what keeps nobody out must be the socket itself.
        runDir = Files.createTempDirectory("mbr-access");
        Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tokenFile = runDir.resolve("api.token");
        Files.writeString(tokenFile, TOKEN + "\n");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        agent = AgentNode.start(TestAgents.config(
                pins.root(),
                runDir,
                "[]",
                "membrane.api {\n socket-group = " + SOCKET_GROUP
                        + "\n token-listener { enabled = on, port = 0, token-file = \"" + tokenFile + "\" }\n}\n"));
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
            assertFalse(Files.exists(agent.config().apiSocket(), LinkOption.NOFOLLOW_LINKS), "stop removes the socket");
        }
        if (pins != null) {
            pins.removeAll();
        }
    }

    @BeforeEach
    void emptyDenyList() {
        AdminClient root = TestAgents.client(agent);
        List<String> deny = root.prefilter().deny();
        if (!deny.isEmpty()) {
            root.removeFromPrefilter(PrefilterChange.of(deny));
        }
    }

    private static Path socket() {
        return agent.config().apiSocket();
    }

    private static String tcp() {
        return "http://127.0.0.1:" + agent.metricsAddress().getPort();
    }

    private static String tokenTcp() {
        return "http://127.0.0.1:"
                + agent.listeners().tokenAddress().orElseThrow().getPort();
    }

    /** curl as {@code user} (with {@code group} as its primary group, if given). */
    private static Command.Result curl(String user, Optional<String> group, String... args) {
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", user));
        group.ifPresent(g -> cmd.addAll(List.of("-g", g)));
        cmd.addAll(List.of("--", "curl", "-sS", "--max-time", "10", "-w", "\n%{http_code}"));
        cmd.addAll(List.of(args));
        return Command.run(cmd.toArray(String[]::new));
    }

    private static Command.Result nobody(String... args) {
        return curl("nobody", Optional.empty(), args);
    }

    private static int status(Command.Result r) {
        String[] lines = r.output().strip().split("\n");
        return Integer.parseInt(lines[lines.length - 1].strip());
    }

    private static JsonNode body(Command.Result r) throws Exception {
        String out = r.output().strip();
        return ApiJson.MAPPER.readTree(out.substring(0, out.lastIndexOf('\n')));
    }

    @Test
    void theSocketIsRootAndItsGroupsOnly() throws Exception {
        PosixFileAttributes a = Files.readAttributes(socket(), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertEquals("rw-rw----", PosixFilePermissions.toString(a.permissions()));
        assertEquals("root", a.owner().getName());
        assertEquals(SOCKET_GROUP, a.group().getName());
        assertEquals(runDir.resolve("membrane.sock"), socket());
    }

    @Test
    void nobodyCannotConnectToTheSocketUnlessInItsGroup() throws Exception {
        Map<String, Object> before = TestAgents.denyMaps(agent);
        Command.Result patch = nobody(
                "--unix-socket",
                socket().toString(),
                "-X",
                "PATCH",
                "-H",
                "Content-Type: application/json",
                "-d",
                DENY,
                "http://localhost/v1/prefilter");
        assertEquals(7, patch.exitCode(), "curl could not connect: " + patch.output());
        assertEquals(before, TestAgents.denyMaps(agent), "the kernel's maps are unchanged");
        Command.Result get = nobody("--unix-socket", socket().toString(), "http://localhost/v1/status");
        assertEquals(7, get.exitCode(), "not even reading: " + get.output());

        Command.Result member = curl(
                "nobody",
                Optional.of(SOCKET_GROUP),
                "--unix-socket",
                socket().toString(),
                "http://localhost/v1/healthz");
        assertEquals(0, member.exitCode(), member.output());
        assertEquals(200, status(member), member.output());
    }

    @Test
    void overPlainTcpNobodyReadsMetricsAndHealthAndChangesNothing() throws Exception {
        assertEquals(200, status(nobody(tcp() + "/v1/healthz")));
        Command.Result metrics = nobody(tcp() + "/metrics");
        assertEquals(200, status(metrics));
        assertTrue(metrics.output().contains("membrane_"), metrics.output());

        Map<String, Object> before = TestAgents.denyMaps(agent);
        for (String method : List.of("PATCH", "DELETE")) {
            Command.Result r =
                    nobody("-X", method, "-H", "Content-Type: application/json", "-d", DENY, tcp() + "/v1/prefilter");
            assertEquals(404, status(r), r.output());
            assertEquals("path", body(r).get("field").asText(), r.output());
            assertTrue(body(r).get("error").asText().contains(socket().toString()), "names the socket: " + r.output());
        }
        for (String path : List.of("/v1/prefilter", "/v1/status", "/v1/map/membrane_cidr4_fix", "/v1/monitor")) {
            assertEquals(404, status(nobody(tcp() + path)), "read-only but not served over TCP: " + path);
        }
        assertEquals(before, TestAgents.denyMaps(agent), "the kernel's maps are unchanged");
        assertEquals(List.of(), TestAgents.client(agent).prefilter().deny());
    }

    @Test
    void theTokenListenerRefusesAMissingOrWrongTokenAndChangesNothing() throws Exception {
        Map<String, Object> before = TestAgents.denyMaps(agent);
        List<List<String>> headers = List.of(
                List.of(),
                List.of("-H", "Authorization: Bearer wrong-" + TOKEN),
                List.of("-H", "Authorization: Bearer " + TOKEN.substring(1)),
                List.of("-H", "Authorization: " + TOKEN));
        OpenApiDocument doc = OpenApiDocument.load();
        for (List<String> auth : headers) {
            List<String> args = new ArrayList<>(auth);
            args.addAll(List.of(
                    "-X", "PATCH", "-H", "Content-Type: application/json", "-d", DENY, tokenTcp() + "/v1/prefilter"));
            Command.Result r = nobody(args.toArray(String[]::new));
            assertEquals(401, status(r), auth + ": " + r.output());
            assertEquals("Authorization", body(r).get("field").asText(), r.output());
            assertFalse(r.output().contains(TOKEN), "the token is never echoed");
            assertEquals(List.of(), doc.validate(doc.responseSchema("PATCH", "/v1/prefilter", 401), body(r)));
        }
        assertEquals(401, status(nobody(tokenTcp() + "/v1/healthz")), "everything on this listener needs the token");
        assertEquals(before, TestAgents.denyMaps(agent), "the kernel's maps are unchanged");

        Duration t = Duration.ofSeconds(10);
        AdminApiException wrong = assertThrows(AdminApiException.class, () -> AdminClient.connect(
                        tokenTcp(), t, t, Optional.of("not-the-token-at-all"))
                .addToPrefilter(PrefilterChange.of(List.of("198.51.100.7/32"))));
        assertEquals(401, wrong.status());
        assertEquals(before, TestAgents.denyMaps(agent));
    }

    @Test
    void rootWithTheTokenChangesTheListOverTcp() {
        AdminClient withToken =
                AdminClient.connect(tokenTcp(), Duration.ofSeconds(10), Duration.ofSeconds(10), Optional.of(TOKEN));
        assertEquals(
                2,
                withToken
                        .addToPrefilter(PrefilterChange.of(List.of("198.51.100.7/32", "203.0.113.0/24")))
                        .changed());
        assertEquals(List.of("198.51.100.7/32"), TestAgents.denyMaps(agent).get("fix4"));
        assertEquals(List.of("203.0.113.0/24"), TestAgents.denyMaps(agent).get("dyn4"));
        assertEquals(
                List.of("198.51.100.7/32", "203.0.113.0/24"),
                withToken.prefilter().deny());
        assertEquals("ok", withToken.health().status());
    }

    @Test
    void anAgentAskedForTheTokenListenerWithoutATokenDoesNotStart() throws Exception {
        Path pinRoot = Path.of(
                "/sys/fs/bpf",
                "mbr-test-notoken-" + UUID.randomUUID().toString().substring(0, 8));
        Path otherRun = Files.createTempDirectory("mbr-notoken");
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> AgentNode.start(TestAgents.config(
                        pinRoot,
                        otherRun,
                        "[]",
                        "membrane.api.token-listener { enabled = on, port = 0,"
                                + " token-env = MEMBRANE_TEST_UNSET_TOKEN }\n")));
        assertTrue(e.getMessage().contains("token-env MEMBRANE_TEST_UNSET_TOKEN: no token"), e.getMessage());
        assertFalse(Files.exists(pinRoot), "refused before any map was made");
        assertFalse(Files.exists(otherRun.resolve("membrane.sock"), LinkOption.NOFOLLOW_LINKS));
        Files.delete(otherRun);
    }
}
