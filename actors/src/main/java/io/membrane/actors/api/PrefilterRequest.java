package io.membrane.actors.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.PrefilterChange;
import io.membrane.actors.prefilter.Scope;
import io.membrane.maps.net.Cidr;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The body of PATCH and DELETE /v1/prefilter (a {@link PrefilterChange}) as the Prefilter actor takes it,
 * parsed strictly: an unknown field, a wrong type, an empty list or an unparsable CIDR is refused with a message
 * naming the field and the value, before anything reaches the actor. The JSON's shape is checked on the tree
 * first, because Jackson's own binding errors do not name the value at fault.
 */
public record PrefilterRequest(List<Cidr> deny, OptionalLong revision, Scope scope) {
    private static final Set<String> FIELDS = Set.of("deny", "revision", "scope");

    public static PrefilterRequest parse(String body) {
        JsonNode root;
        try {
            root = ApiJson.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new Refusal(400, "body is not valid JSON: " + e.getOriginalMessage(), "", "");
        }
        checkShape(root);
        try {
            return from(ApiJson.MAPPER.treeToValue(root, PrefilterChange.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a checked prefilter body did not bind: " + e.getOriginalMessage(), e);
        }
    }

    /** The change's CIDRs and scope parsed; the field named in a refusal is the JSON's. */
    public static PrefilterRequest from(PrefilterChange change) {
        List<Cidr> cidrs = new ArrayList<>(change.deny().size());
        for (int i = 0; i < change.deny().size(); i++) {
            String text = change.deny().get(i);
            try {
                cidrs.add(Cidr.parse(text));
            } catch (IllegalArgumentException e) {
                throw new Refusal(400, e.getMessage(), "deny[" + i + "]", text);
            }
        }
        Scope scope = Scope.NODE;
        if (change.scope() != null) {
            try {
                scope = Scope.parse(change.scope());
            } catch (IllegalArgumentException e) {
                throw new Refusal(400, e.getMessage(), "scope", change.scope());
            }
        }
        OptionalLong revision = change.revision() == null ? OptionalLong.empty() : OptionalLong.of(change.revision());
        return new PrefilterRequest(List.copyOf(cidrs), revision, scope);
    }

    private static void checkShape(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new Refusal(400, "body must be a JSON object {\"deny\": [...], \"revision\": N}", "", "");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new Refusal(400, "unknown field '" + name + "' (expected deny, revision, scope)", name, "");
            }
        }
        JsonNode deny = root.get("deny");
        if (deny == null || !deny.isArray()) {
            throw new Refusal(400, "deny must be a list of CIDR strings", "deny", deny == null ? "" : deny.toString());
        }
        if (deny.isEmpty()) {
            throw new Refusal(400, "deny: the list is empty", "deny", "[]");
        }
        for (int i = 0; i < deny.size(); i++) {
            JsonNode item = deny.get(i);
            if (!item.isTextual()) {
                throw new Refusal(400, "deny[" + i + "] must be a string", "deny[" + i + "]", item.toString());
            }
        }
        JsonNode rev = root.get("revision");
        if (rev != null && !rev.isNull() && (!rev.isIntegralNumber() || !rev.canConvertToLong() || rev.asLong() < 0)) {
            throw new Refusal(400, "revision must be a non-negative integer", "revision", rev.toString());
        }
        JsonNode sc = root.get("scope");
        if (sc != null && !sc.isNull() && !sc.isTextual()) {
            throw new Refusal(400, "scope must be \"node\" or \"cluster\"", "scope", sc.toString());
        }
    }
}
