package io.membrane.actors.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.identity.LabelException;
import io.membrane.actors.identity.LabelSet;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The body of PUT /v1/ip/{cidr} (an {@link io.membrane.actors.api.model.IpChange}) parsed strictly, before anything
 * is allocated: an unknown field, a list that is not one of strings, no label at all, or a label {@link LabelSet}
 * refuses is a 400 naming the label.
 */
final class IpRequest {
    private IpRequest() {}

    static LabelSet labels(String body) {
        JsonNode root;
        try {
            root = ApiJson.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new Refusal(400, "body is not valid JSON: " + e.getOriginalMessage(), "", "");
        }
        if (root == null || !root.isObject()) {
            throw new Refusal(400, "body must be a JSON object {\"labels\": [\"app=db\", ...]}", "", "");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("labels")) {
                throw new Refusal(400, "unknown field '" + name + "' (expected labels)", name, "");
            }
        }
        JsonNode labels = root.get("labels");
        if (labels == null || !labels.isArray()) {
            throw new Refusal(
                    400, "labels must be a list of label strings", "labels", labels == null ? "" : labels.toString());
        }
        if (labels.isEmpty()) {
            throw new Refusal(400, "labels: an external entry needs at least one label", "labels", "[]");
        }
        List<String> texts = new ArrayList<>(labels.size());
        for (int i = 0; i < labels.size(); i++) {
            JsonNode item = labels.get(i);
            if (!item.isTextual()) {
                throw new Refusal(400, "labels[" + i + "] must be a string", "labels[" + i + "]", item.toString());
            }
            texts.add(item.asText());
        }
        try {
            return LabelSet.parseUser(texts);
        } catch (LabelException e) {
            throw new Refusal(400, e.getMessage(), "labels", e.label());
        }
    }
}
