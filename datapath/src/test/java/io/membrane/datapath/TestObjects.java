package io.membrane.datapath;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Compiles the loader tests' small BPF object (src/test/resources/bpf/test_objects.c) once per JVM. */
final class TestObjects {
    static final Path SOURCE = Path.of("src/test/resources/bpf/test_objects.c").toAbsolutePath();
    private static Path object;

    private TestObjects() {}

    static synchronized Path object() {
        if (object == null) {
            try {
                Path dir = Files.createTempDirectory("mbr-test-objects");
                object = new ObjectCache(dir, new Clang())
                        .compile(SOURCE, List.of())
                        .object();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return object;
    }
}
