package io.membrane.actors.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code api/v1/openapi.json} read for tests, with a validator for the part of OpenAPI 3.0's schema language the
 * document uses: {@code $ref} to a component, {@code type}, {@code nullable}, {@code required}, {@code properties},
 * {@code additionalProperties}, {@code items}, {@code minItems}, {@code minimum}, {@code enum}. An empty schema
 * accepts anything. Enough to catch a missing or renamed field or a wrong type, without a validator library.
 */
final class OpenApiDocument {
    static final Path FILE =
            Path.of("..", "api", "v1", "openapi.json").toAbsolutePath().normalize();
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    private final JsonNode root;

    private OpenApiDocument(JsonNode root) {
        this.root = root;
    }

    static OpenApiDocument load() {
        try {
            return new OpenApiDocument(new ObjectMapper().readTree(FILE.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + FILE, e);
        }
    }

    /** Every documented operation as {@code METHOD /path/{param}}. */
    Set<String> routes() {
        Set<String> out = new TreeSet<>();
        root.path("paths")
                .fields()
                .forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> {
                    if (METHODS.contains(m)) {
                        out.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey());
                    }
                }));
        return out;
    }

    /** The names of the component schemas. */
    Set<String> schemaNames() {
        Set<String> out = new TreeSet<>();
        root.path("components").path("schemas").fieldNames().forEachRemaining(out::add);
        return out;
    }

    JsonNode schema(String name) {
        JsonNode s = root.path("components").path("schemas").path(name);
        if (s.isMissingNode()) {
            throw new AssertionError("no schema " + name + " in " + FILE);
        }
        return s;
    }

    /** The documented JSON schema of a reply, or an AssertionError naming what is not documented. */
    JsonNode responseSchema(String method, String path, int status) {
        JsonNode response = root.path("paths")
                .path(path)
                .path(method.toLowerCase(Locale.ROOT))
                .path("responses")
                .path(String.valueOf(status));
        JsonNode schema = response.path("content").path("application/json").path("schema");
        if (schema.isMissingNode()) {
            throw new AssertionError(method + " " + path + " has no JSON reply documented for status " + status);
        }
        return schema;
    }

    /** What is wrong with {@code value} against {@code schema}, one line each; empty if nothing. */
    List<String> validate(JsonNode schema, JsonNode value) {
        List<String> errors = new ArrayList<>();
        check(schema, value, "$", errors);
        return errors;
    }

    private void check(JsonNode schema, JsonNode value, String at, List<String> errors) {
        if (schema.has("$ref")) {
            String ref = schema.get("$ref").asText();
            check(schema(ref.substring(ref.lastIndexOf('/') + 1)), value, at, errors);
            return;
        }
        if (value.isNull()) {
            if (schema.has("type") && !schema.path("nullable").asBoolean(false)) {
                errors.add(at + ": null, but not nullable");
            }
            return;
        }
        if (schema.has("type") && !hasType(value, schema.get("type").asText())) {
            errors.add(at + ": " + value.getNodeType().name().toLowerCase(Locale.ROOT) + ", expected "
                    + schema.get("type").asText());
            return;
        }
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode e : schema.get("enum")) {
                listed |= e.equals(value);
            }
            if (!listed) {
                errors.add(at + ": " + value + " is not one of " + schema.get("enum"));
            }
        }
        if (schema.has("minimum")
                && value.isNumber()
                && value.asDouble() < schema.get("minimum").asDouble()) {
            errors.add(at + ": " + value + " is below the minimum " + schema.get("minimum"));
        }
        if (value.isArray()) {
            if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
                errors.add(at + ": " + value.size() + " items, at least " + schema.get("minItems") + " expected");
            }
            for (int i = 0; i < value.size() && schema.has("items"); i++) {
                check(schema.get("items"), value.get(i), at + "[" + i + "]", errors);
            }
        }
        if (value.isObject()) {
            for (JsonNode r : schema.path("required")) {
                if (!value.has(r.asText())) {
                    errors.add(at + ": required property '" + r.asText() + "' is missing");
                }
            }
            JsonNode properties = schema.path("properties");
            JsonNode additional = schema.path("additionalProperties");
            for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (properties.has(name)) {
                    check(properties.get(name), value.get(name), at + "." + name, errors);
                } else if (additional.isObject()) {
                    check(additional, value.get(name), at + "." + name, errors);
                } else if (additional.isBoolean() && !additional.asBoolean() || properties.size() > 0) {
                    errors.add(at + ": property '" + name + "' is not documented");
                }
            }
        }
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> throw new AssertionError("the validator does not know type " + type);
        };
    }
}
