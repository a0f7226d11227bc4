package io.membrane.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** [project-root] [--no-write], everything else refused by name before anything is measured. */
class BenchArgsTest {
    @Test
    void rootAndNoWrite() {
        assertEquals(new BenchArgs(Path.of("/x"), true), BenchArgs.parse(new String[] {"/x"}));
        assertEquals(new BenchArgs(Path.of("/x"), false), BenchArgs.parse(new String[] {"/x", "--no-write"}));
        assertEquals(
                Path.of("").toAbsolutePath(), BenchArgs.parse(new String[0]).root());
    }

    @Test
    void anythingElseIsRefusedNamingIt() {
        assertTrue(assertThrows(BenchFailure.class, () -> BenchArgs.parse(new String[] {"/x", "--rounds"}))
                .getMessage()
                .contains("--rounds"));
        assertTrue(assertThrows(BenchFailure.class, () -> BenchArgs.parse(new String[] {"/x", "/y"}))
                .getMessage()
                .contains("/y"));
    }

    @Test
    void helpIsAskedWithEitherSpelling() {
        assertTrue(BenchArgs.wantsHelp(new String[] {"/x", "--help"}));
        assertTrue(BenchArgs.wantsHelp(new String[] {"-h"}));
        assertFalse(BenchArgs.wantsHelp(new String[] {"/x", "--no-write"}));
    }
}
