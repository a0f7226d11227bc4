package io.membrane.actors.api.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;

/**
 * The one Jackson configuration of the admin API. Readers ignore fields they do not know, so a client keeps
 * working against a newer agent that adds some; the server's replies are indented, as they always were.
 */
public final class ApiJson {
    /** Reads replies and writes compact bodies. */
    public static final ObjectMapper MAPPER =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    /** Writes what people read: the server's replies and the CLI's {@code --json}. */
    public static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();

    private ApiJson() {}

    /** {@code value} as compact JSON. */
    public static String compact(Object value) {
        return write(MAPPER.writer(), value);
    }

    /** {@code value} as indented JSON. */
    public static String pretty(Object value) {
        return write(PRETTY, value);
    }

    private static String write(ObjectWriter writer, Object value) {
        try {
            return writer.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
