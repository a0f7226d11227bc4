package io.membrane.actors.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.membrane.actors.AgentNode;
import io.membrane.actors.TestAgents;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.structs.Direction;
import io.membrane.datapath.structs.DropReason;
import io.membrane.datapath.structs.MetricsKey;
import io.membrane.datapath.structs.MetricsValue;
import io.membrane.maps.KernelTest;
import io.membrane.maps.PinnedMaps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every admin route over real HTTP against a real agent (real pinned maps, no devices). Each bad input gets a
 * 4xx with a JSON body naming the field and value, and the maps are exactly as they were before the request.
 */
@Tag("kernel")
class AdminApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static PinnedMaps pins;
    private static Path runDir;
    private static AgentNode agent;

    @BeforeAll
    static void start() throws Exception {
        KernelTest.assumeKernel();
        pins = TestAgents.freshPins("api");
        runDir = Files.createTempDirectory("mbr-api");
        // IPv6 off and a tiny LPM map, so the family and map-full refusals can be provoked.
        agent = AgentNode.start(
                TestAgents.config(
                        pins.root(),
                        runDir,
                        "[]",
                        "membrane.prefilter.enable-ipv6 = false\nmembrane.maps.cidr-dyn = 4\nmembrane.api.max-body-bytes = 2000\n"));
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
        if (pins != null) {
            pins.removeAll();
        }
    }

    @BeforeEach
    void emptyDenyList() throws Exception {
        JsonNode current = JSON.readTree(get("/v1/prefilter").body()).get("deny");
        if (!current.isEmpty()) {
            assertEquals(
                    200,
                    send("DELETE", "/v1/prefilter", JSON.writeValueAsString(Map.of("deny", current)))
                            .status());
        }
    }

    private static TestAgents.Response get(String path) {
        return TestAgents.send(agent, "GET", path, null);
    }

    private static TestAgents.Response send(String method, String path, String body) {
        return TestAgents.send(agent, method, path, body);
    }

    private static Map<String, Object> kernelState() {
        return TestAgents.denyMaps(agent);
    }

    private static void assertRefused(
            int status, String method, String body, String field, String value, String errorContains) throws Exception {
        send("PATCH", "/v1/prefilter", "{\"deny\": [\"203.0.113.0/24\"]}");
        Map<String, Object> before = kernelState();
        String prefilterBefore = get("/v1/prefilter").body();
        TestAgents.Response r = send(method, "/v1/prefilter", body);
        assertEquals(status, r.status(), r.body());
        JsonNode err = JSON.readTree(r.body());
        assertEquals(field, err.get("field").asText(), r.body());
        assertEquals(value, err.get("value").asText(), r.body());
        assertTrue(err.get("error").asText().contains(errorContains), r.body());
        assertEquals(before, kernelState(), "the maps are exactly as before");
        assertEquals(prefilterBefore, get("/v1/prefilter").body(), "GET reports the same list and revision");
    }

    @Test
    void healthz() {
        TestAgents.Response r = get("/v1/healthz");
        assertEquals(200, r.status());
        assertTrue(r.body().contains("\"status\" : \"ok\""), r.body());
    }

    @Test
    void patchGetDeleteRoundTrip() throws Exception {
        JsonNode before = JSON.readTree(get("/v1/prefilter").body());
        long rev = before.get("revision").asLong();
        TestAgents.Response r = send(
                "PATCH",
                "/v1/prefilter",
                "{\"deny\": [\"198.51.100.7\", \"203.0.113.77/24\"], \"revision\": " + rev + "}");
        assertEquals(200, r.status(), r.body());
        JsonNode after = JSON.readTree(get("/v1/prefilter").body());
        assertEquals(rev + 1, after.get("revision").asLong());
        assertEquals(
                List.of("198.51.100.7/32", "203.0.113.0/24"),
                JSON.convertValue(after.get("deny"), List.class),
                "host bits cleared, sorted");
        assertEquals("[\"node\"]", after.get("entries").get(0).get("scope").toString(), after.toString());
        assertEquals(List.of("198.51.100.7/32"), kernelState().get("fix4"), "a /32 goes to the exact-match map");
        assertEquals(List.of("203.0.113.0/24"), kernelState().get("dyn4"), "a prefix goes to the LPM map");
        assertEquals(
                200,
                send("DELETE", "/v1/prefilter", "{\"deny\": [\"198.51.100.7/32\"]}")
                        .status());
        assertEquals(List.of(), kernelState().get("fix4"));
    }

    @Test
    void unparsableCidr() throws Exception {
        assertRefused(
                400,
                "PATCH",
                "{\"deny\": [\"10.1.0.0/16\", \"10.0.0.0/33\"]}",
                "deny[1]",
                "10.0.0.0/33",
                "10.0.0.0/33: prefix length must be 0..32");
    }

    @Test
    void whitespaceInACidrIsRefusedNotTrimmed() throws Exception {
        assertRefused(
                400,
                "PATCH",
                "{\"deny\": [\"10.1.0.0/16\", \" 1.2.3.4/32\"]}",
                "deny[1]",
                " 1.2.3.4/32",
                "' 1.2.3.4/32': whitespace (U+0020) at index 0 is not allowed in a CIDR");
        assertRefused(
                400,
                "DELETE",
                "{\"deny\": [\"203.0.113.0/24\\n\"]}",
                "deny[0]",
                "203.0.113.0/24\n",
                "whitespace (U+000A) at index 14");
    }

    @Test
    void aCharacterOutsideTheAddressSyntaxIsRefused() throws Exception {
        assertRefused(
                400,
                "PATCH",
                "{\"deny\": [\"10.0.0.0/\\u0668\"]}",
                "deny[0]",
                "10.0.0.0/\u0668",
                "a character outside the address syntax (U+0668) at index 9");
    }

    @Test
    void wrongFamilyForTheMaps() throws Exception {
        assertRefused(
                400,
                "PATCH",
                "{\"deny\": [\"10.9.0.0/16\", \"2001:db8::/32\"]}",
                "deny",
                "2001:db8::/32",
                "IPv6 is disabled");
    }

    @Test
    void duplicate() throws Exception {
        assertRefused(
                400,
                "PATCH",
                "{\"deny\": [\"10.9.0.0/16\", \"10.9.0.5/16\"]}",
                "deny",
                "10.9.0.0/16",
                "listed more than once");
    }

    @Test
    void emptyList() throws Exception {
        assertRefused(400, "PATCH", "{\"deny\": []}", "deny", "[]", "empty");
    }

    @Test
    void unknownField() throws Exception {
        assertRefused(400, "PATCH", "{\"deny\": [\"10.9.0.0/16\"], \"ttl\": 5}", "ttl", "", "unknown field 'ttl'");
    }

    @Test
    void badScope() throws Exception {
        assertRefused(
                400,
                "PATCH",
                "{\"deny\": [\"10.9.0.0/16\"], \"scope\": \"galaxy\"}",
                "scope",
                "galaxy",
                "scope must be \"node\" or \"cluster\"");
    }

    @Test
    void clusterScopeOnANodeWithoutClusterIsRefused() throws Exception {
        assertRefused(
                400,
                "PATCH",
                "{\"deny\": [\"10.9.0.0/16\"], \"scope\": \"cluster\"}",
                "scope",
                "cluster",
                "needs a clustered agent");
    }

    @Test
    void notJson() throws Exception {
        assertRefused(400, "PATCH", "deny=10.0.0.0/8", "", "", "not valid JSON");
    }

    @Test
    void bodyOverTheSizeLimit() throws Exception {
        String big = IntStream.range(0, 200)
                .mapToObj(i -> "\"10.20." + i + ".0/24\"")
                .collect(Collectors.joining(","));
        assertRefused(400, "PATCH", "{\"deny\": [" + big + "]}", "body", "", "size limit of 2000 bytes");
    }

    @Test
    void staleRevisionIsAConflict() throws Exception {
        assertRefused(409, "PATCH", "{\"deny\": [\"10.9.0.0/16\"], \"revision\": 1}", "deny", "1", "stale");
    }

    @Test
    void deletingWhatIsNotThereIsNotFound() throws Exception {
        assertRefused(
                404,
                "DELETE",
                "{\"deny\": [\"203.0.113.0/24\", \"10.66.0.0/16\"]}",
                "deny",
                "10.66.0.0/16",
                "not in the node-scoped deny list");
    }

    @Test
    void batchWhoseLastCidrDoesNotFitChangesNothing() throws Exception {
        // The LPM map holds 4; 203.0.113.0/24 is in already, so the fourth new prefix is the one that fails.
        assertRefused(
                507,
                "PATCH",
                "{\"deny\": [\"10.1.0.0/16\", \"10.2.0.0/16\", \"10.3.0.0/16\", \"10.4.0.0/16\"]}",
                "deny",
                "10.4.0.0/16",
                "nothing in this batch was applied");
    }

    @Test
    void mapsListAndDecodedMap() throws Exception {
        send("PATCH", "/v1/prefilter", "{\"deny\": [\"198.51.100.0/24\"]}");
        JsonNode list = JSON.readTree(get("/v1/map").body()).get("maps");
        assertTrue(list.size() >= 11, list.toString());
        JsonNode dyn = JSON.readTree(get("/v1/map/membrane_cidr4_dyn").body());
        assertEquals("lpm_trie", dyn.get("type").asText());
        assertEquals("198.51.100.0/24", dyn.get("entries").get(0).get("key").asText(), dyn.toString());
        assertEquals(3, dyn.get("entries").get(0).get("value").get("flags").asInt(), "deny, held by the node scope");
        TestAgents.Response missing = get("/v1/map/membrane_nope");
        assertEquals(404, missing.status());
        assertEquals("membrane_nope", JSON.readTree(missing.body()).get("value").asText());
    }

    @Test
    void statusAndMetrics() throws Exception {
        JsonNode status = JSON.readTree(get("/v1/status").body());
        assertTrue(status.get("maps").size() >= 11);
        assertTrue(status.has("prefilter") && status.has("devices") && status.has("events"), status.toString());
        // What the datapath would count: on every CPU, 2 prefilter drops of 60 bytes, 5 packets forwarded.
        var counters = agent.targets().maps().get(DatapathMaps.METRICS);
        counters.putOnEveryCpu(
                new MetricsKey(DropReason.PREFILTER, Direction.INGRESS).index(), new MetricsValue(2, 120));
        counters.putOnEveryCpu(
                new MetricsKey(DropReason.FORWARDED, Direction.EGRESS).index(), new MetricsValue(5, 500));
        int cpus = counters.get(0).orElseThrow().size();
        TestAgents.Response metrics = get("/metrics");
        assertEquals(200, metrics.status());
        String text = metrics.body();
        // The Prometheus client writes labels sorted by name and values as floating point.
        for (String line : List.of(
                "# TYPE membrane_drop_count_total counter",
                "membrane_drop_count_total{direction=\"ingress\",reason=\"prefilter\"} " + 2.0 * cpus,
                "membrane_drop_bytes_total{direction=\"ingress\",reason=\"prefilter\"} " + 120.0 * cpus,
                "membrane_forward_count_total{direction=\"egress\"} " + 5.0 * cpus,
                "membrane_forward_bytes_total{direction=\"egress\"} " + 500.0 * cpus,
                "membrane_events_total{counter=\"samples\"} 0.0",
                "# TYPE jvm_threads_current gauge")) {
            assertTrue(text.lines().anyMatch(line::equals), line + " in\n" + text);
        }
        assertTrue(text.contains("membrane_api_requests_total{code=\"200\",method=\"GET\",path=\"/v1/status\"}"), text);
        get("/v1/map/membrane_cidr4_dyn");
        assertTrue(
                get("/metrics")
                        .body()
                        .contains("membrane_api_requests_total{code=\"200\",method=\"GET\","
                                + "path=\"/v1/map/{name}\"}"),
                "a map's name is not a label value");
        counters.putOnEveryCpu(new MetricsKey(DropReason.PREFILTER, Direction.INGRESS).index(), MetricsValue.ZERO);
        counters.putOnEveryCpu(new MetricsKey(DropReason.FORWARDED, Direction.EGRESS).index(), MetricsValue.ZERO);
    }

    /** A real reply through {@code promtool check metrics}: Prometheus's own lint finds nothing to say. */
    @Test
    void metricsPassPromtool() throws Exception {
        Path promtool = Stream.of(System.getenv("PATH").split(":"))
                .map(d -> Path.of(d, "promtool"))
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
        Assumptions.assumeTrue(
                promtool != null,
                "promtool is not on PATH (Debian package prometheus; bin/membrane" + " setup installs it)");
        get("/v1/status");
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics")
                .redirectErrorStream(true)
                .start();
        try (var in = p.getOutputStream()) {
            in.write(get("/metrics").body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals("", out.strip(), "promtool's findings");
    }

    /** An agent without a cluster knows the reserved identities and refuses or misses the rest, naming the field. */
    @Test
    void identitiesOfALoneAgentAreTheReservedOnes() throws Exception {
        JsonNode all = JSON.readTree(get("/v1/identity").body());
        assertEquals(6, all.size(), all.toString());
        assertEquals("reserved:host", all.get(0).get("labels").get(0).asText());
        JsonNode world = JSON.readTree(get("/v1/identity/2").body());
        assertEquals("reserved", world.get("scope").asText());
        assertEquals(List.of(), JSON.convertValue(world.get("nodes-using"), List.class));
        JsonNode byLabels =
                JSON.readTree(get("/v1/identity?labels=reserved:remote-node").body());
        assertEquals(6, byLabels.get(0).get("id").asInt());
        TestAgents.Response unknown = get("/v1/identity/300");
        assertEquals(404, unknown.status(), unknown.body());
        TestAgents.Response notANumber = get("/v1/identity/web");
        assertEquals(400, notANumber.status());
        assertEquals("id", JSON.readTree(notANumber.body()).get("field").asText());
        TestAgents.Response badLabel = get("/v1/identity?labels=env=prod,app=we%20b");
        assertEquals(400, badLabel.status());
        JsonNode error = JSON.readTree(badLabel.body());
        assertEquals("labels", error.get("field").asText());
        assertEquals("app=we b", error.get("value").asText());
        assertEquals(404, get("/v1/identity?labels=app=web").status());
    }

    /**
     * Real replies of every route, good and refused, validate against the schema {@code api/v1/openapi.json}
     * documents for their method, path and status.
     */
    @Test
    void repliesMatchTheOpenApiDocument() throws Exception {
        OpenApiDocument doc = OpenApiDocument.load();
        send("PATCH", "/v1/prefilter", "{\"deny\": [\"203.0.113.0/24\", \"198.51.100.9\"]}");
        List<String> errors = new java.util.ArrayList<>();
        java.util.function.BiConsumer<String[], TestAgents.Response> check = (route, r) -> {
            try {
                for (String e :
                        doc.validate(doc.responseSchema(route[0], route[1], r.status()), JSON.readTree(r.body()))) {
                    errors.add(route[0] + " " + route[1] + " " + r.status() + ": " + e);
                }
            } catch (java.io.IOException e) {
                errors.add(route[0] + " " + route[1] + ": not JSON: " + r.body());
            }
        };
        for (String path : List.of("/v1/healthz", "/v1/status", "/v1/prefilter", "/v1/map", "/v1/cluster")) {
            check.accept(new String[] {"GET", path}, get(path));
        }
        for (String path : List.of(
                "/v1/identity",
                "/v1/identity?labels=reserved:host",
                "/v1/identity?labels=a%20b",
                "/v1/identity?labels=app=web")) {
            check.accept(new String[] {"GET", "/v1/identity"}, get(path));
        }
        for (String id : List.of("2", "300", "x")) {
            check.accept(new String[] {"GET", "/v1/identity/{id}"}, get("/v1/identity/" + id));
        }
        for (JsonNode m : JSON.readTree(get("/v1/map").body()).get("maps")) {
            check.accept(
                    new String[] {"GET", "/v1/map/{name}"},
                    get("/v1/map/" + m.get("name").asText()));
        }
        check.accept(new String[] {"GET", "/v1/map/{name}"}, get("/v1/map/membrane_nope"));
        check.accept(new String[] {"GET", "/v1/monitor"}, get("/v1/monitor?type=galaxy"));
        String[] patch = {"PATCH", "/v1/prefilter"};
        String[] delete = {"DELETE", "/v1/prefilter"};
        check.accept(patch, send("PATCH", "/v1/prefilter", "{\"deny\": [\"10.5.0.0/16\"], \"scope\": \"node\"}"));
        check.accept(patch, send("PATCH", "/v1/prefilter", "{\"deny\": [\"10.0.0.0/33\"]}"));
        check.accept(patch, send("PATCH", "/v1/prefilter", "{\"deny\": [\"10.6.0.0/16\"], \"revision\": 1}"));
        check.accept(delete, send("DELETE", "/v1/prefilter", "{\"deny\": [\"10.66.0.0/16\"]}"));
        check.accept(delete, send("DELETE", "/v1/prefilter", "{\"deny\": [\"10.5.0.0/16\"]}"));
        assertEquals(List.of(), errors);
    }

    @Test
    void aKnownPathWithAnotherMethodIsJson405NamingTheAllowedOnes() throws Exception {
        TestAgents.Response r = send("PUT", "/v1/prefilter", "{\"deny\": [\"10.9.0.0/16\"]}");
        assertEquals(405, r.status(), r.body());
        String error = JSON.readTree(r.body()).get("error").asText();
        assertTrue(error.contains("GET") && error.contains("PATCH") && error.contains("DELETE"), r.body());
    }

    @Test
    void unknownPathIsJson404() throws Exception {
        TestAgents.Response r = get("/v1/nope");
        assertEquals(404, r.status());
        assertTrue(JSON.readTree(r.body()).has("error"), r.body());
    }
}
