package io.membrane.cluster;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.membrane.actors.api.model.AgentStatus;
import io.membrane.actors.api.model.ApiError;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.MapInfo;
import io.membrane.actors.api.model.PrefilterState;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Run by the build (cluster/pom.xml, package phase) under {@code -XX:ArchiveClassesAtExit}: makes the class-data
 * archive bin/membrane starts its client commands with, so a client command maps the classes it needs instead of
 * loading and verifying them from the jars. It runs the client commands people use most through {@link ClusterCli}
 * against a stand-in agent on loopback (empty replies built from the API's records, so Jackson's classes are
 * loaded too) and {@code help} (the whole command tree), output discarded; then it writes the launcher's argument
 * file: this JVM's class path and boot class path, which the archive is only valid with.
 *
 * <p>Usage: {@code CliArchiveTraining ARCHIVE ARGFILE BOOT_APPEND} (BOOT_APPEND: what this JVM got as
 * {@code -Xbootclasspath/a}, which it cannot read back).
 */
public final class CliArchiveTraining {
    private CliArchiveTraining() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: CliArchiveTraining ARCHIVE ARGFILE BOOT_APPEND");
        }
        HttpServer agent = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        agent.createContext(
                "/v1/status",
                ex -> reply(
                        ex,
                        200,
                        new AgentStatus(
                                List.of(),
                                null,
                                List.of(new MapInfo("membrane_metrics", "percpu_array", 0, 1, null, null)),
                                new AgentStatus.PrefilterSummary(0, 0))));
        agent.createContext("/v1/prefilter", ex -> reply(ex, 200, new PrefilterState(0, List.of(), List.of())));
        agent.createContext(
                "/",
                ex -> reply(
                        ex,
                        404,
                        new ApiError("not found", "path", ex.getRequestURI().getPath())));
        agent.start();
        String api = "http://" + agent.getAddress().getHostString() + ":"
                + agent.getAddress().getPort();
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        try {
            for (List<String> command : List.of(
                    List.of("status"),
                    List.of("status", "--json"),
                    List.of("prefilter", "get"),
                    List.of("map", "get", "membrane_nope"),
                    List.of("help"))) {
                List<String> argv = new ArrayList<>(command);
                argv.addAll(List.of("--api", api));
                ClusterCli.cli(discard, discard).run(argv.toArray(String[]::new));
            }
        } finally {
            agent.stop(0);
        }
        writeArgFile(Path.of(args[0]).toAbsolutePath(), Path.of(args[1]), args[2]);
    }

    private static void reply(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = ApiJson.compact(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void writeArgFile(Path archive, Path argFile, String bootAppend) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# Written by the build (CliArchiveTraining): the class path the archive below was made with.");
        lines.add(quoted("-Xbootclasspath/a:" + bootAppend));
        lines.add(quoted("-XX:SharedArchiveFile=" + archive));
        lines.add("-cp");
        lines.add(quoted(System.getProperty("java.class.path")));
        Path tmp = argFile.resolveSibling(argFile.getFileName() + ".tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        Files.move(
                tmp,
                argFile,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String quoted(String arg) {
        return "\"" + arg.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
