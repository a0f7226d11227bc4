package io.membrane.lab;

import io.membrane.lab.Lab.Node;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * What the lab keeps on disk under its fixed roots: the state file that lets a later {@code bin/membrane lab}
 * command find the lab that is up, each node's config, log and pins, and their removal.
 */
final class LabFiles {
    private LabFiles() {}

    /** Writes what {@link #readState} gives back: the options of the lab that is up. */
    static void writeState(Lab.Options options) {
        Properties p = new Properties();
        p.setProperty("nodes", String.valueOf(options.nodes()));
        p.setProperty("xdp-mode", options.xdpMode());
        p.setProperty("home", options.home().toString());
        p.setProperty("classpath", options.classpath());
        p.setProperty("java", options.java().toString());
        p.setProperty("jvm-args", String.join(" ", options.jvmArgs()));
        p.setProperty("start-timeout", options.startTimeout().toString());
        p.setProperty("cidr-capacity", String.valueOf(options.cidrCapacity()));
        p.setProperty("ipcache-capacity", String.valueOf(options.ipcacheCapacity()));
        try {
            Files.createDirectories(Lab.RUN_ROOT);
            try (OutputStream out = Files.newOutputStream(Lab.RUN_ROOT.resolve("lab.properties"))) {
                p.store(out, "bin/membrane lab: what lab down and restart need; removed by lab down");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the lab state under " + Lab.RUN_ROOT, e);
        }
    }

    /** The options {@link #writeState} saved, if a lab is up (or its state was left behind). */
    static Optional<Lab.Options> readState() {
        Path state = Lab.RUN_ROOT.resolve("lab.properties");
        if (!Files.isRegularFile(state)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(state)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + state, e);
        }
        String jvm = p.getProperty("jvm-args", "").strip();
        return Optional.of(new Lab.Options(
                Integer.parseInt(p.getProperty("nodes")),
                p.getProperty("xdp-mode"),
                Path.of(p.getProperty("home")),
                p.getProperty("classpath"),
                Path.of(p.getProperty("java")),
                jvm.isEmpty() ? List.of() : List.of(jvm.split(" ")),
                Duration.parse(p.getProperty("start-timeout")),
                Integer.parseInt(p.getProperty("cidr-capacity", String.valueOf(Lab.Options.DEFAULT_CIDR_CAPACITY))),
                Integer.parseInt(
                        p.getProperty("ipcache-capacity", String.valueOf(Lab.Options.DEFAULT_IPCACHE_CAPACITY)))));
    }

    /** Writes the node's config, creating its run directory. */
    static void writeConfig(Node n, String text) {
        try {
            Files.createDirectories(n.runDir());
            Files.writeString(n.config(), text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + n.config(), e);
        }
    }

    /** Removes the node's pins and its run state, keeping its config and log. */
    static void clearRunState(Node node) {
        removeTree(node.pinRoot());
        try (Stream<Path> files = Files.list(node.runDir())) {
            for (Path f : files.toList()) {
                if (!f.equals(node.config()) && !f.equals(node.log())) {
                    removeTree(f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + node.runDir(), e);
        }
    }

    /** The last {@code lines} lines of the node's log, prefixed for an error message ("" if there is none). */
    static String logTail(Node node, int lines) {
        try {
            if (!Files.isRegularFile(node.log())) {
                return "";
            }
            List<String> all = Files.readAllLines(node.log(), StandardCharsets.UTF_8);
            return "\n--- " + node.log() + " (last " + Math.min(lines, all.size()) + " lines) ---\n"
                    + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "\n(cannot read " + node.log() + ": " + e.getMessage() + ")";
        }
    }

    /** Copies every node's log and config into {@code dir} (before {@link Lab#down} removes them). */
    static void saveLogs(List<Node> nodes, Path dir) {
        try {
            Files.createDirectories(dir);
            for (Node n : nodes) {
                for (Path f : List.of(n.log(), n.config())) {
                    if (Files.isRegularFile(f)) {
                        Files.copy(
                                f, dir.resolve(n.name() + "-" + f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the lab logs to " + dir, e);
        }
    }

    /** Deletes a directory tree (bpffs pins included); true if there was one. */
    static boolean removeTree(Path root) {
        if (!Files.exists(root)) {
            return false;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + root + ": " + e.getMessage(), e);
        }
    }
}
