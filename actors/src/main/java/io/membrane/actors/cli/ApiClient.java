package io.membrane.actors.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The CLI's side of the admin API: JSON in, JSON out, and every failure turned into one readable line — the
 * API's own error (with the field and value it names) or why the agent could not be reached.
 */
final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    ApiClient(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    String getText(String path) {
        return raw("GET", path, null).body();
    }

    JsonNode send(String method, String path, Object body) {
        HttpResponse<String> r = raw(method, path, body);
        try {
            JsonNode json = JSON.readTree(r.body());
            if (r.statusCode() >= 400) {
                String field = json.path("field").asText("");
                String value = json.path("value").asText("");
                String where = field.isEmpty() ? "" : " (" + field + (value.isEmpty() ? "" : " = " + value) + ")";
                throw new CliException(json.path("error").asText("HTTP " + r.statusCode()) + where);
            }
            return json;
        } catch (IOException e) {
            throw new CliException(method + " " + path + ": HTTP " + r.statusCode() + " with a body that is not JSON");
        }
    }

    private HttpResponse<String> raw(String method, String path, Object body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120));
            if (body == null) {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                b.method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                        .header("Content-Type", "application/json");
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CliException("cannot reach the agent at " + base + " (is it running? start it with: bin/membrane agent)");
        } catch (IOException e) {
            throw new CliException("talking to the agent at " + base + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }
}
