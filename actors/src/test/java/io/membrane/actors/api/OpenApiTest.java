package io.membrane.actors.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.membrane.actors.api.model.AgentStatus;
import io.membrane.actors.api.model.ApiError;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.ClusterStatus;
import io.membrane.actors.api.model.Health;
import io.membrane.actors.api.model.IpChange;
import io.membrane.actors.api.model.IpDeleted;
import io.membrane.actors.api.model.IpEntry;
import io.membrane.actors.api.model.MapDump;
import io.membrane.actors.api.model.MapInfo;
import io.membrane.actors.api.model.MapList;
import io.membrane.actors.api.model.PrefilterChange;
import io.membrane.actors.api.model.PrefilterChanged;
import io.membrane.actors.api.model.PrefilterState;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code api/v1/openapi.json} against the code, without an agent: the routes the server dispatches are exactly
 * the documented operations, and each documented schema has exactly the JSON properties of its record. Real
 * replies are validated against the document in {@link AdminApiTest}.
 */
class OpenApiTest {
    private static final OpenApiDocument DOC = OpenApiDocument.load();
    /** Each component schema and the record it documents. */
    private static final Map<String, Class<?>> RECORDS = Map.ofEntries(
            Map.entry("ApiError", ApiError.class),
            Map.entry("Health", Health.class),
            Map.entry("PrefilterChange", PrefilterChange.class),
            Map.entry("PrefilterChanged", PrefilterChanged.class),
            Map.entry("PrefilterState", PrefilterState.class),
            Map.entry("PrefilterEntry", PrefilterState.Entry.class),
            Map.entry("MapInfo", MapInfo.class),
            Map.entry("MapList", MapList.class),
            Map.entry("MapDump", MapDump.class),
            Map.entry("MapEntry", MapDump.Entry.class),
            Map.entry("AgentStatus", AgentStatus.class),
            Map.entry("Device", AgentStatus.Device.class),
            Map.entry("EventCounters", AgentStatus.EventCounters.class),
            Map.entry("PrefilterSummary", AgentStatus.PrefilterSummary.class),
            Map.entry("ClusterStatus", ClusterStatus.class),
            Map.entry("ClusterRtt", io.membrane.actors.api.model.ClusterRtt.class),
            Map.entry("ClusterMember", ClusterStatus.Member.class),
            Map.entry("RegistryEntry", ClusterStatus.RegistryEntry.class),
            Map.entry("IpEntry", IpEntry.class),
            Map.entry("IpChange", IpChange.class),
            Map.entry("IpBatch", io.membrane.actors.api.model.IpBatch.class),
            Map.entry("IpBatchEntry", io.membrane.actors.api.model.IpBatch.Entry.class),
            Map.entry("IpBatchApplied", io.membrane.actors.api.model.IpBatchApplied.class),
            Map.entry("IpDeleted", IpDeleted.class),
            Map.entry("Identity", io.membrane.actors.api.model.IdentityInfo.class),
            Map.entry("Endpoint", io.membrane.actors.api.model.EndpointModel.class),
            Map.entry("EndpointAddressing", io.membrane.actors.api.model.EndpointModel.Addressing.class),
            Map.entry("EndpointPolicy", io.membrane.actors.api.model.EndpointModel.Policy.class),
            Map.entry("EndpointHealth", io.membrane.actors.api.model.EndpointModel.Health.class),
            Map.entry("EndpointLogEntry", io.membrane.actors.api.model.EndpointModel.LogEntry.class),
            Map.entry("EndpointChange", io.membrane.actors.api.model.EndpointChange.class));

    @Test
    void everyServedRouteIsDocumentedAndEveryDocumentedRouteIsServed() {
        Set<String> served = AdminRoutes.ENDPOINTS.stream()
                .map(e -> e.method() + " " + e.path())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(DOC.routes(), served);
    }

    @Test
    void everySchemaHasTheJsonPropertiesOfItsRecord() {
        assertEquals(DOC.schemaNames(), new TreeSet<>(RECORDS.keySet()), "every schema documents one record");
        Map<String, String> mismatches = new TreeMap<>();
        RECORDS.forEach((name, type) -> {
            BeanDescription bean =
                    ApiJson.MAPPER.getSerializationConfig().introspect(ApiJson.MAPPER.constructType(type));
            Set<String> json = bean.findProperties().stream()
                    .map(BeanPropertyDefinition::getName)
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> documented = new TreeSet<>();
            DOC.schema(name).path("properties").fieldNames().forEachRemaining(documented::add);
            if (!json.equals(documented)) {
                mismatches.put(name, "record " + json + ", document " + documented);
            }
            DOC.schema(name).path("required").forEach(r -> {
                if (!documented.contains(r.asText())) {
                    mismatches.put(name, "required '" + r.asText() + "' is not a property");
                }
            });
        });
        assertEquals(Map.of(), mismatches);
    }

    @Test
    void aClusterReplyAndARequestValidate() {
        ClusterStatus cluster = new ClusterStatus(
                "pekko://membrane@10.0.0.1:25520",
                null,
                "pekko://membrane@10.0.0.1:25520",
                List.of(new ClusterStatus.Member("pekko://membrane@10.0.0.1:25520", "up", true, true)),
                Map.of(
                        "n1",
                        new ClusterStatus.RegistryEntry(
                                "n1",
                                "10.0.0.1:9876",
                                "10.0.0.1",
                                "pekko://membrane@10.0.0.1:25520",
                                1_700_000_000_000L)));
        assertEquals(List.of(), validate(DOC.responseSchema("GET", "/v1/cluster", 200), cluster));
        JsonNode request = DOC.schema("PrefilterChange");
        assertEquals(
                List.of(),
                validate(
                        request,
                        PrefilterChange.of(List.of("10.0.0.0/8"))
                                .withRevision(3)
                                .withScope("cluster")));
    }

    @Test
    void theValidatorRefusesWhatTheDocumentDoesNotAllow() {
        JsonNode changed = DOC.responseSchema("PATCH", "/v1/prefilter", 200);
        assertFalse(
                DOC.validate(changed, ApiJson.MAPPER.createObjectNode().put("revision", 1))
                        .isEmpty(),
                "changed is required");
        assertFalse(
                DOC.validate(
                                changed,
                                ApiJson.MAPPER
                                        .createObjectNode()
                                        .put("revision", "1")
                                        .put("changed", 1))
                        .isEmpty(),
                "revision is an integer");
        assertFalse(
                DOC.validate(
                                changed,
                                ApiJson.MAPPER
                                        .createObjectNode()
                                        .put("revision", 1)
                                        .put("changed", 1)
                                        .put("extra", 1))
                        .isEmpty(),
                "an undocumented property");
        assertFalse(
                DOC.validate(
                                DOC.schema("PrefilterChange"),
                                ApiJson.MAPPER.valueToTree(new PrefilterChange(List.of(), null, "galaxy")))
                        .isEmpty(),
                "an empty list and an unknown scope");
        assertTrue(DOC.validate(changed, ApiJson.MAPPER.valueToTree(new PrefilterChanged(1, 2)))
                .isEmpty());
    }

    private static List<String> validate(JsonNode schema, Object record) {
        return DOC.validate(schema, ApiJson.MAPPER.valueToTree(record));
    }
}
