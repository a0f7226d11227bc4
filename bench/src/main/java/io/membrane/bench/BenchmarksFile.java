package io.membrane.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * BENCHMARKS.md at the project root, shared by every {@code bin/membrane bench …} command: each bench owns one
 * {@code ## name} section and replaces only that, so the figures of the others stay as they were last measured.
 */
public final class BenchmarksFile {
    static final String TITLE = "# Benchmarks\n\n"
            + "Written by `bin/membrane bench …`: each command replaces its own section. Every figure is a ratio "
            + "against a baseline measured in the same run on the same machine.\n";

    private BenchmarksFile() {}

    /** The word of a table's "met" column. */
    public static String yesNo(boolean met) {
        return met ? "yes" : "no";
    }

    /** Replaces (or appends) section {@code ## name} of {@code file} with {@code body}, creating the file if needed. */
    public static void writeSection(Path file, String name, String body) throws IOException {
        String old = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : TITLE;
        Files.writeString(file, withSection(old, name, body), StandardCharsets.UTF_8);
    }

    /**
     * {@code text} with section {@code ## name} replaced by {@code body}: from its heading up to the next level-2
     * heading or the end. A missing section is appended. {@code body} is the section's text after the heading.
     */
    static String withSection(String text, String name, String body) {
        String heading = "## " + name;
        List<String> lines = new ArrayList<>(text.lines().toList());
        List<String> section = new ArrayList<>();
        section.add(heading);
        section.add("");
        section.addAll(body.strip().lines().toList());

        int start = lines.indexOf(heading);
        if (start < 0) {
            while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
                lines.remove(lines.size() - 1);
            }
            lines.add("");
            lines.addAll(section);
        } else {
            int end = start + 1;
            while (end < lines.size() && !lines.get(end).startsWith("## ")) {
                end++;
            }
            if (end < lines.size()) {
                section.add("");
            }
            lines.subList(start, end).clear();
            lines.addAll(start, section);
        }
        return String.join("\n", lines) + "\n";
    }
}
