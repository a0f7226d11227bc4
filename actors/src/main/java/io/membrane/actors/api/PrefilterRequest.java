package io.membrane.actors.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.membrane.actors.prefilter.Scope;
import io.membrane.maps.net.Cidr;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;

/**
 * The body of PATCH and DELETE /v1/prefilter — {@code {"deny": [CIDR, ...], "revision": N, "scope": "node" |
 * "cluster"}} (scope defaults to node) — parsed strictly:
 * an unknown field, a wrong type, an empty list or an unparsable CIDR is refused with a message naming the
 * field and the value, before anything reaches the Prefilter actor.
 */
public record PrefilterRequest(List<Cidr> deny, OptionalLong revision, Scope scope) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static PrefilterRequest parse(String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiError.Refusal(400, "body is not valid JSON: " + e.getOriginalMessage(), "", "");
        }
        if (root == null || !root.isObject()) {
            throw new ApiError.Refusal(400, "body must be a JSON object {\"deny\": [...], \"revision\": N}", "", "");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("deny") && !name.equals("revision") && !name.equals("scope")) {
                throw new ApiError.Refusal(400, "unknown field '" + name + "' (expected deny, revision, scope)", name,
                        "");
            }
        }
        JsonNode deny = root.get("deny");
        if (deny == null || !deny.isArray()) {
            throw new ApiError.Refusal(400, "deny must be a list of CIDR strings", "deny",
                    deny == null ? "" : deny.toString());
        }
        if (deny.isEmpty()) {
            throw new ApiError.Refusal(400, "deny: the list is empty", "deny", "[]");
        }
        List<Cidr> cidrs = new ArrayList<>(deny.size());
        for (int i = 0; i < deny.size(); i++) {
            JsonNode item = deny.get(i);
            if (!item.isTextual()) {
                throw new ApiError.Refusal(400, "deny[" + i + "] must be a string", "deny[" + i + "]", item.toString());
            }
            try {
                cidrs.add(Cidr.parse(item.textValue()));
            } catch (IllegalArgumentException e) {
                throw new ApiError.Refusal(400, e.getMessage(), "deny[" + i + "]", item.textValue());
            }
        }
        OptionalLong revision = OptionalLong.empty();
        JsonNode rev = root.get("revision");
        if (rev != null && !rev.isNull()) {
            if (!rev.isIntegralNumber() || rev.asLong() < 0) {
                throw new ApiError.Refusal(400, "revision must be a non-negative integer", "revision", rev.toString());
            }
            revision = OptionalLong.of(rev.asLong());
        }
        Scope scope = Scope.NODE;
        JsonNode sc = root.get("scope");
        if (sc != null && !sc.isNull()) {
            if (!sc.isTextual()) {
                throw new ApiError.Refusal(400, "scope must be \"node\" or \"cluster\"", "scope", sc.toString());
            }
            try {
                scope = Scope.parse(sc.textValue());
            } catch (IllegalArgumentException e) {
                throw new ApiError.Refusal(400, e.getMessage(), "scope", sc.textValue());
            }
        }
        return new PrefilterRequest(List.copyOf(cidrs), revision, scope);
    }
}
