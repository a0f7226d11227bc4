package io.membrane.actors.api.model;

/**
 * The body of every refused request: what is wrong, which field, and the value at fault, so a script can point
 * at the exact line of its input. {@code field} and {@code value} are empty when the whole request is at fault.
 */
public record ApiError(String error, String field, String value) {
    public ApiError {
        error = error == null ? "" : error;
        field = field == null ? "" : field;
        value = value == null ? "" : value;
    }

    /** The error as one line: {@code error (field = value)}, the parenthesis only when a field is named. */
    public String oneLine() {
        String where = field.isEmpty() ? "" : " (" + field + (value.isEmpty() ? "" : " = " + value) + ")";
        return error + where;
    }
}
