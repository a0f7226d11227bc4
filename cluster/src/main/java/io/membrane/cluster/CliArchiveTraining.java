package io.membrane.cluster;

import io.membrane.actors.api.model.AgentStatus;
import io.membrane.actors.api.model.ApiError;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.MapInfo;
import io.membrane.actors.api.model.PrefilterState;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Run by the build (cluster/pom.xml, package phase) under {@code -XX:ArchiveClassesAtExit}: makes the class-data
 * archive bin/membrane starts its client commands with, so a client command maps the classes it needs instead of
 * loading and verifying them from the jars. It runs the client commands people use most through {@link ClusterCli}
 * against a stand-in agent on a unix socket, as the default target is (empty replies built from the API's records, so Jackson's classes are
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
        Path dir = Files.createTempDirectory("membrane-cli-training");
        Path socket = dir.resolve("membrane.sock");
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        try (ServerSocketChannel agent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            agent.bind(UnixDomainSocketAddress.of(socket));
            Thread server = new Thread(() -> serve(agent), "cli-training-agent");
            server.setDaemon(true);
            server.start();
            for (List<String> command : List.of(
                    List.of("status"),
                    List.of("status", "--json"),
                    List.of("prefilter", "get"),
                    List.of("map", "get", "membrane_nope"),
                    List.of("help"))) {
                List<String> argv = new ArrayList<>(command);
                argv.addAll(List.of("--api", "unix:" + socket));
                ClusterCli.cli(discard, discard).run(argv.toArray(String[]::new));
            }
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
        writeArgFile(Path.of(args[0]).toAbsolutePath(), Path.of(args[1]), args[2]);
    }

    /** The stand-in agent: one request per connection (the client sends Connection: close), replies by path. */
    private static void serve(ServerSocketChannel agent) {
        while (agent.isOpen()) {
            try (SocketChannel c = agent.accept()) {
                String path = requestPath(c);
                Object body;
                int status = 200;
                if (path.startsWith("/v1/status")) {
                    body = new AgentStatus(
                            List.of(),
                            null,
                            List.of(new MapInfo("membrane_metrics", "percpu_array", 0, 1, null, null)),
                            new AgentStatus.PrefilterSummary(0, 0),
                            Map.of("ready", 0));
                } else if (path.startsWith("/v1/prefilter")) {
                    body = new PrefilterState(0, List.of(), List.of());
                } else {
                    status = 404;
                    body = new ApiError("not found", "path", path);
                }
                byte[] json = ApiJson.compact(body).getBytes(StandardCharsets.UTF_8);
                String head = "HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: "
                        + json.length + "\r\nConnection: close\r\n\r\n";
                c.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
                c.write(ByteBuffer.wrap(json));
            } catch (IOException e) {
                return; // closed: training is over
            }
        }
    }

    /** Reads a request's head and returns its path; the requests of training carry no body. */
    private static String requestPath(SocketChannel c) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        String text = "";
        while (!text.contains("\r\n\r\n") && c.read(in) > 0) {
            text = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
        }
        String[] requestLine = text.split("\r\n", 2)[0].split(" ");
        return requestLine.length > 1 ? requestLine[1] : "/";
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
