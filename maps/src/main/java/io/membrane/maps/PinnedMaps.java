package io.membrane.maps;

import io.membrane.maps.sys.NativeLibs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every map of one agent lives pinned under one root directory on bpffs ({@code /sys/fs/bpf/membrane} by
 * default; a lab node gets its own), named by its spec. Open-or-create reuses a pinned map whose kernel shape
 * equals the spec, contents and all, which is what lets the datapath run on across agent restarts; a pinned
 * map of another shape is replaced, and the replacement is logged with both shapes. A pinned map of the same
 * shape that an earlier version made (another kernel name, no BTF) is migrated once, entries and all
 * ({@link MapMigration}), and the migration is logged.
 */
public final class PinnedMaps {
    private static final Logger LOG = LoggerFactory.getLogger(PinnedMaps.class);
    public static final Path DEFAULT_ROOT = Path.of("/sys/fs/bpf/membrane");

    /** What open-or-create did. */
    public enum Outcome {
        CREATED,
        REUSED,
        REPLACED,
        MIGRATED
    }

    /** A map together with what open-or-create did to get it. */
    public record Opened<M>(M map, Outcome outcome) {}

    private final Path root;

    private PinnedMaps(Path root) {
        this.root = root;
    }

    /** Uses {@code root} as the pin directory, creating it (and mounting bpffs) when needed. */
    public static PinnedMaps at(Path root) {
        return new PinnedMaps(BpfFs.ensureDirectory(root));
    }

    public Path root() {
        return root;
    }

    public Path pathOf(MapSpec<?> spec) {
        return root.resolve(spec.name());
    }

    public <M extends BpfMap<?, ?>> M openOrCreate(MapSpec<M> spec) {
        return openOrCreateReporting(spec).map();
    }

    public synchronized <M extends BpfMap<?, ?>> Opened<M> openOrCreateReporting(MapSpec<M> spec) {
        Path path = pathOf(spec);
        Outcome outcome = Outcome.CREATED;
        if (Files.exists(path)) {
            int fd = openPinnedFd(path, spec.name());
            MapInfo info;
            try {
                info = MapInfo.of(fd, spec.name());
            } catch (BpfException e) {
                NativeLibs.libc().close(fd);
                throw e;
            }
            if (spec.isCurrent(info)) {
                return new Opened<>(spec.open(fd), Outcome.REUSED);
            }
            if (spec.matches(info)) {
                return migrate(spec, path, fd, info);
            }
            NativeLibs.libc().close(fd);
            LOG.warn("replacing pinned map {}: pinned {} but wanted {}", path, info, spec);
            unlink(path);
            outcome = Outcome.REPLACED;
        }
        int fd = BpfMaps.createFd(spec);
        M map = spec.open(fd);
        try {
            map.pin(path.toString());
        } catch (BpfException e) {
            map.close();
            throw e;
        }
        return new Opened<>(map, outcome);
    }

    private static <M extends BpfMap<?, ?>> Opened<M> migrate(MapSpec<M> spec, Path path, int oldFd, MapInfo old) {
        MapMigration.Migrated migrated;
        try {
            migrated = MapMigration.migrate(spec, path, oldFd);
        } finally {
            NativeLibs.libc().close(oldFd);
        }
        String btf = !spec.type().carriesBtf() ? "not taken by " + spec.type() : old.btfId() == 0 ? "added" : "kept";
        LOG.info(
                "migrated {}: {} entries (kernel name '{}' -> '{}', BTF {})",
                spec.name(),
                migrated.entries(),
                old.name(),
                spec.kernelName(),
                btf);
        return new Opened<>(spec.open(migrated.fd()), Outcome.MIGRATED);
    }

    /** Opens the pinned map of this spec if it exists with the same shape (made by this version or before). */
    public <M extends BpfMap<?, ?>> Optional<M> openExisting(MapSpec<M> spec) {
        Path path = pathOf(spec);
        if (!Files.exists(path)) {
            return Optional.empty();
        }
        int fd = openPinnedFd(path, spec.name());
        MapInfo info = MapInfo.of(fd, spec.name());
        if (!spec.matches(info)) {
            NativeLibs.libc().close(fd);
            return Optional.empty();
        }
        return Optional.of(spec.open(fd));
    }

    /**
     * Opens the pinned map of this spec's name, kind and layouts at whatever size it was made with (a reader that
     * does not know the configuration that made it: {@code bpf ipcache list}).
     */
    public <M extends BpfMap<?, ?>> Optional<M> openExistingAnySize(MapSpec<M> spec) {
        Path path = pathOf(spec);
        if (!Files.exists(path)) {
            return Optional.empty();
        }
        int fd = openPinnedFd(path, spec.name());
        int max = MapInfo.of(fd, spec.name()).maxEntries();
        NativeLibs.libc().close(fd);
        return openExisting(spec.withMaxEntries(max));
    }

    private static int openPinnedFd(Path path, String name) {
        return BpfException.check(NativeLibs.bpf().bpf_obj_get(path.toString()), "open pinned " + path, name);
    }

    /** Removes the pin; the map itself lives on while a program or an open descriptor holds it. */
    public boolean unpin(MapSpec<?> spec) {
        Path path = pathOf(spec);
        if (!Files.exists(path)) {
            return false;
        }
        unlink(path);
        return true;
    }

    /** Removes every pin under the root and the root itself (uninstall, test clean-up). */
    public void removeAll() {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(PinnedMaps::unlink);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    private static void unlink(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove pin " + path, e);
        }
    }
}
