package io.membrane.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * bpftool, the kernel tree's own client, run as a subprocess: what it prints about a pinned map is what a user
 * sees, so tests ask it rather than our own bindings. Skips the calling test when bpftool is not installed.
 */
public final class Bpftool {
    /** What {@code bpftool -j map show} says about one map that tests look at. */
    public record Shown(String name, String type, int btfId) {}

    private static final Pattern NAME = Pattern.compile("\"name\":\"([^\"]*)\"");
    private static final Pattern TYPE = Pattern.compile("\"type\":\"([^\"]*)\"");
    private static final Pattern BTF_ID = Pattern.compile("\"btf_id\":(\\d+)");

    private Bpftool() {}

    public static Shown show(Path pin) {
        String out = run("map", "show", "pinned", pin.toString(), "-j");
        return new Shown(first(NAME, out), first(TYPE, out), Integer.parseInt(first(BTF_ID, out, "0")));
    }

    /** {@code bpftool -j map dump pinned PIN}, spaces removed. */
    public static String dump(Path pin) {
        return run("map", "dump", "pinned", pin.toString(), "-j").replace(" ", "");
    }

    public static String run(String... args) {
        List<String> command = new ArrayList<>(List.of("bpftool"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("bpftool is not installed (apt-get install bpftool): " + e.getMessage());
            throw new AssertionError(e);
        }
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bpftool " + String.join(" ", args) + " did not end");
            assertEquals(0, p.exitValue(), "bpftool " + String.join(" ", args) + ": " + out);
            return out;
        } catch (IOException e) {
            throw new AssertionError("reading bpftool's output", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for bpftool", e);
        }
    }

    private static String first(Pattern p, String text) {
        Matcher m = p.matcher(text);
        assertTrue(m.find(), p + " in " + text);
        return m.group(1);
    }

    private static String first(Pattern p, String text, String otherwise) {
        Matcher m = p.matcher(text);
        return m.find() ? m.group(1) : otherwise;
    }
}
