package io.membrane.actors.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.identity.LabelException;
import io.membrane.actors.identity.LabelSet;
import io.membrane.actors.ipcache.IpCacheException;
import io.membrane.actors.ipcache.IpCidr;
import io.membrane.maps.net.Cidr;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of PUT /v1/ip/{cidr} (an {@link io.membrane.actors.api.model.IpChange}) parsed strictly, before anything
 * is allocated: an unknown field, a list that is not one of strings, no label at all, or a label {@link LabelSet}
 * refuses is a 400 naming the label.
 */
final class IpRequest {
    private IpRequest() {}

    /** {@code body} as a JSON object, or a 400 that shows {@code shape}. */
    static JsonNode object(String body, String shape) {
        JsonNode root;
        try {
            root = ApiJson.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new Refusal(400, "body is not valid JSON: " + e.getOriginalMessage(), "", "");
        }
        if (root == null || !root.isObject()) {
            throw new Refusal(400, "body must be a JSON object " + shape, "", "");
        }
        return root;
    }

    static LabelSet labels(String body) {
        JsonNode root = object(body, "{\"labels\": [\"app=db\", ...]}");
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("labels")) {
                throw new Refusal(400, "unknown field '" + name + "' (expected labels)", name, "");
            }
        }
        return labels(root.get("labels"), "labels");
    }

    /**
     * The body of PATCH /v1/ip ({@code {"entries": [{"cidr": ..., "labels": [...]}, ...]}}), each CIDR as strictly
     * as a path's and each label list as PUT's, distinct CIDRs, at most {@link #MAX_BATCH}; the first bad one is
     * named by its place ({@code entries[3].cidr}).
     */
    static Map<Cidr, LabelSet> batch(String body) {
        JsonNode root;
        try {
            root = ApiJson.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new Refusal(400, "body is not valid JSON: " + e.getOriginalMessage(), "", "");
        }
        if (root == null || !root.isObject() || !onlyFields(root, "entries")) {
            throw new Refusal(
                    400, "body must be a JSON object {\"entries\": [{\"cidr\": ..., \"labels\": [...]}]}", "", "");
        }
        JsonNode entries = root.get("entries");
        if (entries == null || !entries.isArray() || entries.isEmpty() || entries.size() > MAX_BATCH) {
            throw new Refusal(400, "entries must be a list of 1 to " + MAX_BATCH + " entries", "entries", "");
        }
        Map<Cidr, LabelSet> out = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            JsonNode e = entries.get(i);
            String at = "entries[" + i + "]";
            if (!e.isObject()
                    || !onlyFields(e, "cidr", "labels")
                    || !e.path("cidr").isTextual()) {
                throw new Refusal(400, at + " must be {\"cidr\": \"...\", \"labels\": [...]}", at, e.toString());
            }
            String text = e.get("cidr").asText();
            Cidr cidr;
            try {
                cidr = IpCidr.parseUser(text);
            } catch (IpCacheException x) {
                throw new Refusal(400, x.getMessage(), at + ".cidr", text);
            }
            if (out.put(cidr, labels(e.get("labels"), at + ".labels")) != null) {
                throw new Refusal(400, cidr + " is listed twice", at + ".cidr", text);
            }
        }
        return out;
    }

    /** The most entries one PATCH /v1/ip takes: its body stays well under the API's limit. */
    static final int MAX_BATCH = 10_000;

    private static boolean onlyFields(JsonNode object, String... allowed) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            if (!List.of(allowed).contains(names.next())) {
                return false;
            }
        }
        return true;
    }

    private static LabelSet labels(JsonNode labels, String field) {
        if (labels == null || !labels.isArray()) {
            throw new Refusal(
                    400, field + " must be a list of label strings", field, labels == null ? "" : labels.toString());
        }
        if (labels.isEmpty()) {
            throw new Refusal(400, field + ": an external entry needs at least one label", field, "[]");
        }
        List<String> texts = new ArrayList<>(labels.size());
        for (int i = 0; i < labels.size(); i++) {
            JsonNode item = labels.get(i);
            if (!item.isTextual()) {
                throw new Refusal(400, field + "[" + i + "] must be a string", field + "[" + i + "]", item.toString());
            }
            texts.add(item.asText());
        }
        try {
            return LabelSet.parseUser(texts);
        } catch (LabelException e) {
            throw new Refusal(400, e.getMessage(), field, e.label());
        }
    }
}
