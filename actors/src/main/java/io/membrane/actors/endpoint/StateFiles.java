package io.membrane.actors.endpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The endpoints' small state files in the run directory: text lines, replaced whole and atomically (written beside,
 * renamed over), so an agent that dies at any moment leaves either the old file or the new one, never half. They
 * are not forced to disk: what they describe (pinned links and maps on bpffs) does not survive a reboot either, and
 * an fsync per change cost a create several milliseconds on this machine's disk.
 */
final class StateFiles {
    private StateFiles() {}

    static void replace(Path file, List<String> lines) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.delete(tmp);
            throw new IOException("the file system cannot replace " + file + " atomically", e);
        }
    }
}
