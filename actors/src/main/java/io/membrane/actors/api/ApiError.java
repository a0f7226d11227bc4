package io.membrane.actors.api;

/**
 * The JSON body of every refused request: what is wrong, which field, and the value at fault, so a script can
 * point at the exact line of its input.
 */
public record ApiError(String error, String field, String value) {
    /** A refusal to report with an HTTP status. */
    public static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final int status;
        private final ApiError body;

        public Refusal(int status, String error, String field, String value) {
            super(error);
            this.status = status;
            this.body = new ApiError(error, field, value);
        }

        public int status() {
            return status;
        }

        public ApiError body() {
            return body;
        }
    }
}
