package io.membrane.actors.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.TLSProtocol;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.StreamConverters;
import org.apache.pekko.stream.javadsl.TLSPlacebo;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The full admin API on a unix-domain socket, as Cilium's {@code cilium.sock}: owner root, mode 0660, a configured
 * group, so only root and that group's members can connect.
 *
 * <p>The permissions hold before anyone can connect: the socket is bound inside a fresh directory that only its
 * owner may enter ({@code .NAME.d}, mode 0700, next to the socket's path), given its mode and group there, and
 * only then renamed onto its path. rename(2) is atomic, so the socket is never reachable with other permissions,
 * whatever the process umask. A socket file left by an agent that died is removed at bind; one that still
 * answers is another agent's, and this one refuses to start. {@link #close} removes the file if it is still ours.
 *
 * <p>Pekko HTTP binds only TCP, so each accepted channel is joined with its server layer ({@link Http#serverLayer})
 * through blocking reads and writes on {@value #DISPATCHER}: each connection keeps one of its threads waiting in
 * read(2) and borrows another to write, so it serves half as many connections at once as that pool has threads;
 * further ones wait in the listen backlog.
 */
public final class AdminSocket implements AutoCloseable {
    static final String DISPATCHER = "membrane-api-socket-dispatcher";
    private static final Logger LOG = LoggerFactory.getLogger(AdminSocket.class);
    private static final Set<PosixFilePermission> SOCKET_MODE = PosixFilePermissions.fromString("rw-rw----");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final int READ_CHUNK = 64 * 1024;

    private final Path path;
    private final ServerSocketChannel server;
    private final Object fileKey;
    private final Flow<ByteString, ByteString, NotUsed> http;
    private final ActorSystem<?> system;
    private final Semaphore slots;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private AdminSocket(ActorSystem<?> system, Path path, ServerSocketChannel server, Route route) throws IOException {
        this.system = system;
        this.path = path;
        this.server = server;
        this.fileKey = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .fileKey();
        this.http = httpOverBytes(system, route);
        this.slots = new Semaphore(Math.max(
                1, system.settings().config().getInt(DISPATCHER + ".thread-pool-executor.fixed-pool-size") / 2));
        this.acceptor = new Thread(this::acceptLoop, "membrane-api-socket-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Serves {@code route} on a unix socket at {@code path} (its directory is created if missing).
     *
     * @param group the socket's group ({@code membrane.api.socket-group})
     * @throws IOException              when the socket cannot be bound, or another agent serves {@code path}
     * @throws IllegalArgumentException when {@code group} does not exist
     */
    public static AdminSocket bind(ActorSystem<?> system, Path path, String group, Route route) throws IOException {
        Files.createDirectories(path.getParent());
        removeStale(path);
        Path staging = path.resolveSibling("." + path.getFileName() + ".d");
        deleteTree(staging);
        Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            Path staged = staging.resolve("s");
            server.bind(UnixDomainSocketAddress.of(staged));
            Files.setPosixFilePermissions(staged, SOCKET_MODE);
            Files.getFileAttributeView(staged, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setGroup(
                            path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group));
            Files.move(staged, path, StandardCopyOption.ATOMIC_MOVE);
            return new AdminSocket(system, path, server, route);
        } catch (UserPrincipalNotFoundException e) {
            server.close();
            throw new IllegalArgumentException("membrane.api.socket-group: no group named '" + group + "'", e);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        } finally {
            deleteTree(staging);
        }
    }

    /** Removes a socket file nobody answers on; refuses a live one and anything that is not a socket. */
    private static void removeStale(Path path) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attributes.isOther()) {
            throw new IOException(path + " exists and is not a socket; remove it or choose another run-dir");
        }
        boolean answers;
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            answers = true;
        } catch (ConnectException refused) {
            answers = false;
        }
        if (answers) {
            throw new IOException("another agent serves " + path + " (one agent per run-dir; stop it first)");
        }
        LOG.info("removing the stale admin API socket {} (nothing answers on it)", path);
        Files.delete(path);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Bytes in, bytes out: Pekko HTTP's server layer over the placebo TLS stage (plain bytes), with the server's
     * idle timeout — {@code bind} adds that for TCP, the server layer alone does not.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Flow<ByteString, ByteString, NotUsed> httpOverBytes(ActorSystem<?> system, Route route) {
        ServerSettings settings = ServerSettings.create(system.classicSystem());
        // SessionBytes is an SslTlsInbound; Java's generics cannot say so.
        BidiFlow<TLSProtocol.SslTlsOutbound, ByteString, ByteString, TLSProtocol.SslTlsInbound, NotUsed> plain =
                (BidiFlow) TLSPlacebo.getInstance();
        BidiFlow<HttpResponse, ByteString, ByteString, HttpRequest, NotUsed> stack =
                Http.get(system).serverLayer(settings).atop(plain);
        scala.concurrent.duration.Duration idle = settings.getTimeouts().idleTimeout();
        if (idle.isFinite()) {
            stack = stack.atop(BidiFlow.bidirectionalIdleTimeout(java.time.Duration.ofNanos(idle.toNanos())));
        }
        Flow<HttpRequest, HttpResponse, NotUsed> handler = route.flow(system);
        return stack.reversed().join(handler);
    }

    public Path path() {
        return path;
    }

    /** Connections open now. */
    public int connections() {
        return open.size();
    }

    private void acceptLoop() {
        while (true) {
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                return;
            }
            try {
                serve(server.accept());
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException e) {
                slots.release();
                LOG.warn("admin API socket {}: accept failed ({}); retrying", path, e.toString());
                pause();
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs one connection; it ends when the server layer has written its last byte or reading fails. */
    private void serve(SocketChannel channel) {
        open.add(channel);
        try {
            Pair<CompletionStage<IOResult>, CompletionStage<IOResult>> io = Flow.fromSinkAndSourceMat(
                            StreamConverters.fromOutputStream(() -> new ChannelOutput(channel), true)
                                    .async(DISPATCHER),
                            StreamConverters.fromInputStream(() -> new ChannelInput(channel), READ_CHUNK)
                                    .async(DISPATCHER),
                            Keep.both())
                    .joinMat(http, Keep.left())
                    .run(system);
            io.first().whenComplete((written, failure) -> end(channel));
            io.second().whenComplete((read, failure) -> {
                if (failure != null) {
                    end(channel);
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("admin API socket {}: cannot serve a connection ({})", path, e.toString());
            end(channel);
        }
    }

    /** Closes {@code channel} (which ends a read blocked on it) and frees its slot, once. */
    private void end(SocketChannel channel) {
        if (open.remove(channel)) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("closing an admin API connection: {}", e.toString());
            }
            slots.release();
        }
    }

    /** Stops accepting, ends the open connections and removes the socket file if it is still this one's. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing {}: {}", path, e.toString());
        }
        acceptor.interrupt();
        open.forEach(this::end);
        try {
            BasicFileAttributes now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (fileKey.equals(now.fileKey())) {
                Files.delete(path);
            }
        } catch (NoSuchFileException gone) {
            // removed already (by uninstall, or by hand)
        } catch (IOException e) {
            LOG.warn("cannot remove the admin API socket {}: {}", path, e.toString());
        }
    }

    /** Reads of the socket for the server layer; end of input once the connection is closed. */
    private static final class ChannelInput extends InputStream {
        private final SocketChannel channel;

        ChannelInput(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return channel.read(ByteBuffer.wrap(b, off, len));
            } catch (ClosedChannelException closed) {
                return -1;
            }
        }

        @Override
        public void close() {
            // The connection ends in end(): the server layer may still be writing a response.
        }
    }

    /** Writes of the server layer to the socket, each written whole. */
    private static final class ChannelOutput extends OutputStream {
        private final SocketChannel channel;

        ChannelOutput(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }

        @Override
        public void close() {
            // The connection ends in end(), once this stream's stage has finished.
        }
    }
}
