package io.membrane.maps;

import io.membrane.maps.sys.LibBpf;
import io.membrane.maps.sys.NativeLibs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import jnr.ffi.Pointer;

/**
 * Brings a pinned map made by an earlier version (same shape, but another kernel name or no BTF) up to its
 * spec without losing entries: a new map is created from the spec, every entry is copied over as raw bytes, the
 * new map is pinned under a temporary name and renamed over the old pin, so that the pin path never goes
 * missing. Programs attached before still hold the old map until they are replaced; entries the datapath
 * writes into the old map during the copy (conntrack) are not carried over.
 */
final class MapMigration {
    /** The new map's descriptor and how many entries it got from the old one. */
    record Migrated(int fd, int entries) {}

    private MapMigration() {}

    /** Replaces the map pinned at {@code path} (open as {@code oldFd}) with a new one of {@code spec}. */
    static Migrated migrate(MapSpec<?> spec, Path path, int oldFd) {
        int newFd = BpfMaps.createFd(spec);
        // bpffs refuses names with a dot, so the temporary pin cannot be a hidden file
        Path temporary = path.resolveSibling(spec.name() + "_migrating");
        try {
            // fd-holding maps (perf event arrays) are filled again by their owner; their entries mean nothing here
            int entries = spec.type().carriesBtf() ? copyEntries(spec, oldFd, newFd) : 0;
            Files.deleteIfExists(temporary); // left by a migration that was stopped half way
            BpfException.check(
                    NativeLibs.bpf().bpf_obj_pin(newFd, temporary.toString()), "pin " + temporary, spec.name());
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE);
            return new Migrated(newFd, entries);
        } catch (IOException e) {
            NativeLibs.libc().close(newFd);
            throw new UncheckedIOException("cannot swap the pin " + path + " for the migrated map", e);
        } catch (RuntimeException e) {
            NativeLibs.libc().close(newFd);
            deleteQuietly(temporary);
            throw e;
        }
    }

    /**
     * Copies every entry, key by key; the value buffer holds every CPU's slot for per-CPU maps. Returns the
     * number of entries copied. A key deleted under the iteration makes a hash restart from its first key, so
     * the walk is bounded by the map's size.
     */
    private static int copyEntries(MapSpec<?> spec, int fromFd, int toFd) {
        LibBpf bpf = NativeLibs.bpf();
        int valueBytes =
                spec.type().isPerCpu() ? spec.valueLayout().perCpuSlotSize() * PossibleCpus.count() : spec.valueSize();
        ByteBuffer key = ByteBuffer.allocateDirect(spec.keySize());
        ByteBuffer next = ByteBuffer.allocateDirect(spec.keySize());
        ByteBuffer value = ByteBuffer.allocateDirect(valueBytes);
        Pointer keyPtr = Pointer.wrap(NativeLibs.runtime(), key);
        Pointer nextPtr = Pointer.wrap(NativeLibs.runtime(), next);
        Pointer valuePtr = Pointer.wrap(NativeLibs.runtime(), value);
        int copied = 0;
        Pointer previous = null;
        for (int steps = 0; steps <= spec.maxEntries(); steps++) {
            int rc = bpf.bpf_map_get_next_key(fromFd, previous, nextPtr);
            if (Errno.ENOENT.is(rc)) {
                break;
            }
            BpfException.check(rc, "get next key (migrating)", spec.name());
            key.put(0, next, 0, spec.keySize());
            previous = keyPtr;
            rc = bpf.bpf_map_lookup_elem(fromFd, keyPtr, valuePtr);
            if (Errno.ENOENT.is(rc)) {
                continue; // removed by the datapath since get_next_key (an LRU eviction, say)
            }
            BpfException.check(rc, "lookup (migrating)", spec.name());
            BpfException.check(
                    bpf.bpf_map_update_elem(toFd, keyPtr, valuePtr, UpdateFlag.ANY.bits()),
                    "update (migrating)",
                    spec.name());
            copied++;
        }
        Reference.reachabilityFence(key);
        Reference.reachabilityFence(next);
        Reference.reachabilityFence(value);
        return copied;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the original failure is the one worth reporting; a stray temporary pin is removed next time
        }
    }
}
