package io.membrane.architecture;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.Errno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * errno numbers are written once, in {@link Errno}: elsewhere code says {@code Errno.ENOENT.is(rc)}. The
 * compiler inlines int constants, so this reads the main sources of every module rather than the classes.
 */
class ErrnoConstantsTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final String NAMES = Arrays.stream(Errno.values())
            .filter(e -> e != Errno.UNKNOWN)
            .map(Enum::name)
            .collect(Collectors.joining("|"));
    /** {@code static final int ENOENT = 2}: a second copy of an errno number. */
    private static final Pattern CONSTANT = Pattern.compile("\\bint\\s+(" + NAMES + ")\\s*=");
    /** {@code rc == -22}: an errno number with no name at all. */
    private static final Pattern LITERAL = Pattern.compile("\\b(rc|ret|err|errno)\\s*[!=]=\\s*-\\s*\\d+");

    @Test
    void errnoNumbersAreOnlyInErrno() throws IOException {
        List<String> found = new ArrayList<>();
        List<Path> sources = mainSources();
        assertTrue(
                sources.stream().anyMatch(p -> p.endsWith(Path.of("io/membrane/maps/Errno.java"))),
                "the scan did not find the main sources under " + ROOT);
        for (Path file : sources) {
            if (file.endsWith(Path.of("io/membrane/maps/Errno.java"))) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                for (Pattern p : List.of(CONSTANT, LITERAL)) {
                    Matcher m = p.matcher(lines.get(i));
                    if (m.find()) {
                        found.add(ROOT.relativize(file) + ":" + (i + 1) + ": "
                                + lines.get(i).strip());
                    }
                }
            }
        }
        assertTrue(found.isEmpty(), "errno numbers outside Errno (use Errno.X.is(rc)):\n" + String.join("\n", found));
    }

    private static List<Path> mainSources() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path main : modules.map(m -> m.resolve("src/main/java"))
                    .filter(Files::isDirectory)
                    .toList()) {
                try (Stream<Path> walk = Files.walk(main)) {
                    walk.filter(p -> p.toString().endsWith(".java")).forEach(out::add);
                }
            }
        }
        return out;
    }
}
