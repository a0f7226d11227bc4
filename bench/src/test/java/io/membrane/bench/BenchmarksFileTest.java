package io.membrane.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** BENCHMARKS.md sections: each bench replaces its own and leaves the others as they were. */
class BenchmarksFileTest {
    @Test
    void sectionIsAppendedToANewFile() {
        String out = BenchmarksFile.withSection(BenchmarksFile.TITLE, "maps", "body\n");
        assertTrue(out.startsWith("# Benchmarks\n"));
        assertTrue(out.endsWith("\n\n## maps\n\nbody\n"), out);
    }

    @Test
    void sectionIsReplacedAndTheOthersKept() {
        String before = "# Benchmarks\n\nintro\n\n## datapath\n\nd1\n\n## maps\n\nold 1\nold 2\n\n## cluster\n\nc1\n";
        String after = BenchmarksFile.withSection(before, "maps", "new\n");
        assertEquals("# Benchmarks\n\nintro\n\n## datapath\n\nd1\n\n## maps\n\nnew\n\n## cluster\n\nc1\n", after);
        assertEquals(after, BenchmarksFile.withSection(after, "maps", "new"));
    }

    @Test
    void lastSectionIsReplacedToTheEnd() {
        String before = "# Benchmarks\n\n## maps\n\nold\n| a | b |\n";
        assertEquals("# Benchmarks\n\n## maps\n\nnew\n", BenchmarksFile.withSection(before, "maps", "new"));
    }

    @Test
    void aSimilarHeadingIsNotTheSection() {
        String before = "# Benchmarks\n\n## maps-extra\n\nx\n";
        assertEquals(before + "\n## maps\n\nnew\n", BenchmarksFile.withSection(before, "maps", "new"));
    }
}
