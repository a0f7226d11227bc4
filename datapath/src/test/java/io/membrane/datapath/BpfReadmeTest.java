package io.membrane.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.membrane.datapath.structs.DropReason;
import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;

/**
 * The tables of bpf/README.md that describe what C and Java share are generated from the Java declarations,
 * which the loader checks against BTF; this test fails when the README is stale. Regenerate with
 * {@code mvn -o -q test -pl datapath -am -Dtest=BpfReadmeTest -Dmembrane.readme=write}.
 */
class BpfReadmeTest {
    private static final Path README = PrefilterDropTest.BPF_DIR.resolve("README.md");
    private static final String END = "<!-- end generated -->";

    @Test
    void tablesMatchTheDeclarations() throws IOException {
        String text = Files.readString(README, StandardCharsets.UTF_8);
        String generated = replace(
                replace(text, "<!-- generated: structs", structs()), "<!-- generated: drop reasons", dropReasons());
        if ("write".equals(System.getProperty("membrane.readme"))) {
            Files.writeString(README, generated, StandardCharsets.UTF_8);
        }
        assertEquals(
                generated,
                text,
                "bpf/README.md is stale; regenerate it with"
                        + " mvn -o -q test -pl datapath -am -Dtest=BpfReadmeTest -Dmembrane.readme=write");
    }

    static String structs() {
        StringBuilder sb = new StringBuilder("| struct | size | declared in | members (offset: type name) |\n")
                .append("|---|---|---|---|\n");
        for (DeclaredLayouts.Declared d : DeclaredLayouts.all()) {
            Layout<?> layout = d.layout();
            StringJoiner members = new StringJoiner(" · ");
            for (Field f : layout.fields()) {
                members.add(f.offset() + ": " + type(layout, f));
            }
            sb.append("| `")
                    .append(layout.cName())
                    .append("` | ")
                    .append(layout.size())
                    .append(" | `")
                    .append(d.javaName())
                    .append("` | ")
                    .append(members)
                    .append(" |\n");
        }
        return sb.toString();
    }

    private static String type(Layout<?> layout, Field f) {
        return switch (f.kind()) {
            case U8 -> "__u8 " + f.name();
            case U16 -> "__u16 " + f.name();
            case U32 -> "__u32 " + f.name();
            case U64 -> "__u64 " + f.name();
            case BE16 -> "__be16 " + f.name();
            case BE32 -> "__be32 " + f.name();
            case BYTES ->
                layout.nestedStruct(f.name())
                        .map(n -> "struct " + n.cName() + " " + f.name())
                        .orElse("__u8 " + f.name() + "[" + f.size() + "]");
            case PADDING -> f.name() + " (" + f.size() + " B)";
        };
    }

    static String dropReasons() {
        StringBuilder sb = new StringBuilder("| n | C enumerator | label | description |\n|---|---|---|---|\n");
        for (DropReason r : DropReason.values()) {
            if (r != DropReason.UNKNOWN) {
                sb.append("| ")
                        .append(r.code())
                        .append(" | `")
                        .append(r.cName())
                        .append("` | `")
                        .append(r.label())
                        .append("` | ")
                        .append(r.description())
                        .append(" |\n");
            }
        }
        return sb.toString();
    }

    /** The text with the section that starts at the line beginning with {@code marker} replaced. */
    private static String replace(String text, String marker, String table) {
        int start = text.indexOf(marker);
        if (start < 0) {
            throw new IllegalStateException("bpf/README.md has no line starting " + marker);
        }
        int body = text.indexOf('\n', start) + 1;
        int end = text.indexOf(END, body);
        if (end < 0) {
            throw new IllegalStateException("bpf/README.md: " + marker + " has no " + END);
        }
        return text.substring(0, body) + table + text.substring(end);
    }
}
