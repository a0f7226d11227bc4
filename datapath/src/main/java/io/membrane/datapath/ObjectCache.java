package io.membrane.datapath;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Compiled objects on disk, keyed by a SHA-256 of everything that decides the bytes clang produces: the
 * program's source, every header in the source tree's lib/ and in the generated-header directories (names and
 * contents), the clang version and the flags. A hit skips clang. Concurrent requests for one key compile once:
 * within the JVM they share one future, across processes a file lock serialises them and the second finds
 * the first's object.
 */
public final class ObjectCache {
    /** What a compile request resolved to. */
    public record Compiled(Path object, boolean cacheHit, String key, long nanos) {}

    private final Path dir;
    private final Clang clang;
    private final ConcurrentHashMap<String, CompletableFuture<Compiled>> inFlight = new ConcurrentHashMap<>();

    public ObjectCache(Path dir, Clang clang) {
        this.dir = dir;
        this.clang = clang;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create object cache " + dir, e);
        }
    }

    public Clang clang() {
        return clang;
    }

    public Path dir() {
        return dir;
    }

    /**
     * The object for {@code source} (a .c file in a tree whose lib/ holds the shared headers) compiled with the
     * given generated-header directories on the include path, from the cache when possible.
     */
    public Compiled compile(Path source, List<Path> generatedHeaderDirs) {
        long start = System.nanoTime();
        List<Path> includes = new ArrayList<>();
        includes.addAll(generatedHeaderDirs);
        includes.add(source.toAbsolutePath().getParent().resolve("lib"));
        String key = key(source, includes);
        Path object = dir.resolve(stem(source) + "-" + key.substring(0, 24) + ".o");
        if (Files.isRegularFile(object)) {
            return new Compiled(object, true, key, System.nanoTime() - start);
        }
        CompletableFuture<Compiled> mine = new CompletableFuture<>();
        CompletableFuture<Compiled> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            try {
                Compiled other = running.join();
                return new Compiled(other.object(), true, key, System.nanoTime() - start);
            } catch (CompletionException e) {
                throw new CompileException(
                        "peer compilation of " + source.getFileName() + " failed: "
                                + e.getCause().getMessage(),
                        e.getCause());
            }
        }
        try {
            Compiled result = compileLocked(source, includes, key, object, start);
            mine.complete(result);
            return result;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    private Compiled compileLocked(Path source, List<Path> includes, String key, Path object, long start) {
        Path lockFile = dir.resolve(key.substring(0, 24) + ".lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = ch.lock()) {
            if (Files.isRegularFile(object)) {
                return new Compiled(object, true, key, System.nanoTime() - start);
            }
            Path tmp = Files.createTempFile(dir, stem(source), ".o.tmp");
            try {
                clang.compile(source, includes, tmp);
                Files.move(tmp, object, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return new Compiled(object, false, key, System.nanoTime() - start);
        } catch (IOException e) {
            throw new UncheckedIOException("object cache " + dir, e);
        } finally {
            try {
                Files.deleteIfExists(lockFile);
            } catch (IOException ignored) {
                // a stale lock file is harmless: locks are on the open channel, not the file's existence
            }
        }
    }

    /** The cache key of a compile: hex SHA-256 of clang version, flags, source and every header on the path. */
    String key(Path source, List<Path> includeDirs) {
        MessageDigest sha = sha256();
        update(sha, "clang " + clang.version());
        update(sha, "flags " + String.join(" ", Clang.FLAGS));
        addFile(sha, source);
        for (Path dirOnPath : includeDirs) {
            update(sha, "include-dir");
            for (Path header : headersIn(dirOnPath)) {
                addFile(sha, header);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static List<Path> headersIn(Path d) {
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(p -> p.toString().endsWith(".h") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list headers in " + d, e);
        }
    }

    private static void addFile(MessageDigest sha, Path file) {
        try {
            update(sha, "file " + file.getFileName());
            sha.update(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static void update(MessageDigest sha, String s) {
        sha.update(s.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    private static String stem(Path source) {
        String n = source.getFileName().toString();
        return n.endsWith(".c") ? n.substring(0, n.length() - 2) : n;
    }
}
