package io.membrane.actors.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The bodies of PUT /v1/endpoint/{id} ({@code {"interface-name", "addressing": {"ipv4"?, "ipv6"?}, "labels"?,
 * "mac"?, "sync"?}}) and PATCH /v1/endpoint/{id}/labels ({@code {"labels": [...]}}), parsed strictly: an unknown
 * field or a value of the wrong type is a 400 naming it, before anything is allocated. What the values mean (an
 * interface that exists, an address of the pod CIDR, a valid label) is the EndpointManager's to check.
 */
final class EndpointRequest {
    record Put(
            String interfaceName,
            Optional<String> ipv4,
            Optional<String> ipv6,
            List<String> labels,
            Optional<String> mac,
            boolean sync) {}

    private EndpointRequest() {}

    static Put put(String body) {
        JsonNode root =
                object(body, "{\"interface-name\": \"lxc1\", \"addressing\": {\"ipv4\": ...}, \"labels\": [...]}");
        only(root, "", Set.of("interface-name", "addressing", "labels", "mac", "sync"));
        JsonNode name = root.get("interface-name");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            throw new Refusal(
                    400,
                    "interface-name (the host-side device) is required",
                    "interface-name",
                    name == null ? "" : name.toString());
        }
        Optional<String> ipv4 = Optional.empty();
        Optional<String> ipv6 = Optional.empty();
        JsonNode addressing = root.get("addressing");
        if (addressing != null && !addressing.isNull()) {
            if (!addressing.isObject()) {
                throw new Refusal(
                        400,
                        "addressing must be an object {\"ipv4\": ..., \"ipv6\": ...}",
                        "addressing",
                        addressing.toString());
            }
            only(addressing, "addressing.", Set.of("ipv4", "ipv6"));
            ipv4 = text(addressing, "ipv4", "addressing.ipv4");
            ipv6 = text(addressing, "ipv6", "addressing.ipv6");
        }
        JsonNode sync = root.get("sync");
        if (sync != null && !sync.isBoolean()) {
            throw new Refusal(400, "sync must be true or false", "sync", sync.toString());
        }
        return new Put(
                name.asText(),
                ipv4,
                ipv6,
                root.has("labels") ? labels(root.get("labels")) : List.of(),
                text(root, "mac", "mac"),
                sync != null && sync.asBoolean());
    }

    static List<String> labels(String body) {
        JsonNode root = object(body, "{\"labels\": [\"app=web\", ...]}");
        only(root, "", Set.of("labels"));
        if (!root.has("labels")) {
            throw new Refusal(400, "labels is required", "labels", "");
        }
        return labels(root.get("labels"));
    }

    private static List<String> labels(JsonNode node) {
        if (node == null || !node.isArray()) {
            throw new Refusal(400, "labels must be a list of strings", "labels", String.valueOf(node));
        }
        List<String> out = new ArrayList<>();
        for (JsonNode l : node) {
            if (!l.isTextual()) {
                throw new Refusal(400, "labels must be a list of strings", "labels", l.toString());
            }
            out.add(l.asText());
        }
        return out;
    }

    private static JsonNode object(String body, String shape) {
        return IpRequest.object(body, shape);
    }

    private static void only(JsonNode object, String prefix, Set<String> allowed) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new Refusal(
                        400,
                        "unknown field '" + prefix + name + "' (expected "
                                + String.join(", ", allowed.stream().sorted().toList()) + ")",
                        prefix + name,
                        "");
            }
        }
    }

    private static Optional<String> text(JsonNode object, String name, String field) {
        JsonNode v = object.get(name);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw new Refusal(400, field + " must be a string", field, v.toString());
        }
        return Optional.of(v.asText());
    }
}
