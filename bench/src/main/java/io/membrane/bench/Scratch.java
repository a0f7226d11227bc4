package io.membrane.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A bench's scratch directory (compiled baselines, object caches, headers), removed when the bench ends. */
public final class Scratch {
    private Scratch() {}

    public static Path create(String bench) throws IOException {
        return Files.createTempDirectory("mbr-bench-" + bench);
    }

    /** Removes {@code dir}, saying on stderr what could not be removed rather than failing the bench. */
    public static void remove(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("bench: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
