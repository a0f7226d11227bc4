package io.membrane.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The object cache: same inputs hit without running clang; any input change misses; one compile per key. */
class CompileCacheTest {
    @TempDir
    Path tmp;

    private Path copySource() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("lib"));
        Path c = src.resolve("prog.c");
        Files.writeString(c, "#include \"cfg.h\"\n" + Files.readString(TestObjects.SOURCE));
        return c;
    }

    @Test
    void secondCompileWithSameInputsHitsTheCacheWithoutClang() throws Exception {
        Path source = copySource();
        Path headers = Files.createDirectories(tmp.resolve("gen"));
        Files.writeString(headers.resolve("cfg.h"), "#define ANSWER 42\n");
        Clang clang = new Clang();
        ObjectCache cache = new ObjectCache(tmp.resolve("cache"), clang);

        ObjectCache.Compiled first = cache.compile(source, List.of(headers));
        assertFalse(first.cacheHit());
        assertEquals(1, clang.compilations());

        ObjectCache.Compiled second = cache.compile(source, List.of(headers));
        assertTrue(second.cacheHit());
        assertEquals(first.object(), second.object());
        assertEquals(1, clang.compilations(), "a hit must not start clang");

        // A fresh cache object over the same directory (the next agent) hits too.
        Clang other = new Clang();
        assertTrue(new ObjectCache(tmp.resolve("cache"), other)
                .compile(source, List.of(headers))
                .cacheHit());
        assertEquals(0, other.compilations());
    }

    @Test
    void changedGeneratedHeaderMisses() throws Exception {
        Path source = copySource();
        Path headers = Files.createDirectories(tmp.resolve("gen"));
        Files.writeString(headers.resolve("cfg.h"), "#define ANSWER 42\n");
        Clang clang = new Clang();
        ObjectCache cache = new ObjectCache(tmp.resolve("cache"), clang);
        ObjectCache.Compiled a = cache.compile(source, List.of(headers));
        Files.writeString(headers.resolve("cfg.h"), "#define ANSWER 43\n");
        ObjectCache.Compiled b = cache.compile(source, List.of(headers));
        assertFalse(b.cacheHit());
        assertNotEquals(a.key(), b.key());
        assertEquals(2, clang.compilations());
    }

    @Test
    void concurrentRequestsForOneKeyCompileOnce() throws Exception {
        Path source = copySource();
        Path headers = Files.createDirectories(tmp.resolve("gen"));
        Files.writeString(headers.resolve("cfg.h"), "#define ANSWER 1\n");
        Clang clang = new Clang();
        ObjectCache cache = new ObjectCache(tmp.resolve("cache"), clang);
        clang.version(); // asked outside the race so the race is only about compiling
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<ObjectCache.Compiled>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                futures.add(pool.submit(() -> cache.compile(source, List.of(headers))));
            }
            for (Future<ObjectCache.Compiled> f : futures) {
                assertTrue(Files.isRegularFile(f.get().object()));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, clang.compilations());
    }

    @Test
    void clangErrorsAreShown() throws Exception {
        Path source = tmp.resolve("broken.c");
        Files.writeString(source, "int f(void) { return undefined_symbol; }\n");
        ObjectCache cache = new ObjectCache(tmp.resolve("cache"), new Clang());
        CompileException e = assertThrows(CompileException.class, () -> cache.compile(source, List.of()));
        assertTrue(e.getMessage().contains("undefined_symbol"), e.getMessage());
        assertTrue(e.getMessage().contains("broken.c"), e.getMessage());
    }
}
