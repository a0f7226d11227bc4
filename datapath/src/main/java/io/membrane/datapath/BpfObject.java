package io.membrane.datapath;

import io.membrane.maps.BpfMap;
import io.membrane.maps.MapInfo;
import io.membrane.maps.sys.LibBpf;
import io.membrane.maps.sys.NativeLibs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jnr.ffi.Pointer;

/**
 * A compiled ELF object opened by libbpf: first open (maps and programs described, nothing in the kernel),
 * then {@link #bind} every map the agent owns to the agent's pinned map so the C and Java sides share one
 * kernel map, then {@link #load}. Binding refuses, naming the map and the field, when the object's definition
 * disagrees with the agent's map: a program built against another layout must never run on our maps.
 */
public final class BpfObject implements AutoCloseable {
    private final String name;
    private final Pointer obj;
    private final Map<String, Pointer> maps = new LinkedHashMap<>();
    private boolean loaded;
    private boolean closed;

    private BpfObject(String name, Pointer obj) {
        this.name = name;
        this.obj = obj;
        LibBpf lib = NativeLibs.bpf();
        for (Pointer m = lib.bpf_object__next_map(obj, null); m != null; m = lib.bpf_object__next_map(obj, m)) {
            maps.put(lib.bpf_map__name(m), m);
        }
    }

    /** Opens (parses) an object file; nothing reaches the kernel yet. */
    public static BpfObject open(Path elf) {
        String name = elf.getFileName().toString();
        if (!Files.isRegularFile(elf)) {
            throw new LoadException(name, "no such object file " + elf);
        }
        LibbpfLog.startCapture();
        Pointer obj = NativeLibs.bpf().bpf_object__open_file(elf.toString(), null);
        int errno = NativeLibs.lastLibbpfErrno();
        String log = LibbpfLog.stopCapture();
        if (obj == null) {
            throw new LoadException(name, errno, "libbpf cannot open it\n" + log.strip());
        }
        return new BpfObject(name, obj);
    }

    public String name() {
        return name;
    }

    /** The maps the object defines, libbpf's internal data maps included. */
    public List<ObjectMap> maps() {
        List<ObjectMap> out = new ArrayList<>();
        maps.forEach((n, m) -> out.add(describe(n, m)));
        return out;
    }

    private static ObjectMap describe(String n, Pointer m) {
        LibBpf lib = NativeLibs.bpf();
        return new ObjectMap(
                n,
                lib.bpf_map__type(m),
                lib.bpf_map__key_size(m),
                lib.bpf_map__value_size(m),
                lib.bpf_map__max_entries(m),
                lib.bpf_map__map_flags(m));
    }

    public Optional<ObjectMap> map(String mapName) {
        Pointer m = maps.get(mapName);
        return m == null ? Optional.empty() : Optional.of(describe(mapName, m));
    }

    /**
     * Makes the object's map {@code mapName} use the agent's live map instead of creating its own.
     *
     * @throws LoadException if the object has no such map or defines it differently (naming the field)
     */
    public void bind(String mapName, BpfMap<?, ?> agentMap) {
        ensureNotLoaded();
        Pointer m = maps.get(mapName);
        if (m == null) {
            throw new LoadException(name, "defines no map " + mapName);
        }
        ObjectMap def = describe(mapName, m);
        MapInfo live = agentMap.info();
        mismatch(mapName, "type", def.type(), live.typeId());
        mismatch(mapName, "key_size", def.keySize(), live.keySize());
        mismatch(mapName, "value_size", def.valueSize(), live.valueSize());
        mismatch(mapName, "max_entries", def.maxEntries(), live.maxEntries());
        mismatch(mapName, "map_flags", def.flags(), live.flags());
        int rc = NativeLibs.bpf().bpf_map__reuse_fd(m, agentMap.fd());
        if (rc < 0) {
            throw new LoadException(name, rc, "cannot bind map " + mapName + " to the agent's map");
        }
    }

    private void mismatch(String mapName, String field, int inObject, int inAgent) {
        if (inObject != inAgent) {
            throw new LoadException(
                    name,
                    "map " + mapName + " disagrees with the agent's map on " + field + ": object has " + inObject
                            + ", agent has " + inAgent);
        }
    }

    /**
     * Sets a {@code const volatile} global of the object before load — libbpf's {@code .rodata}, which the kernel
     * freezes at load, so the verifier sees the value as a constant and prunes what it rules out. This is how one
     * compiled object serves many endpoints, each loaded with its own values (Cilium's template path).
     *
     * @param value the variable's bytes, exactly its size, in the target's byte order
     * @throws LoadException if the object has no such constant or it is another size
     */
    public void setConstant(String variable, byte[] value) {
        ensureNotLoaded();
        Btf.Variable v = btf().section(".rodata").orElse(List.of()).stream()
                .filter(x -> x.name().equals(variable))
                .findFirst()
                .orElseThrow(() -> new LoadException(name, "has no const volatile global " + variable + " in .rodata"));
        if (v.size() != value.length) {
            throw new LoadException(
                    name, "constant " + variable + " is " + v.size() + " bytes, not the " + value.length + " given");
        }
        Pointer rodata = maps.entrySet().stream()
                .filter(e -> e.getKey().endsWith(".rodata"))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElseThrow(() -> new LoadException(name, "has no .rodata map for constant " + variable));
        Pointer size = jnr.ffi.Memory.allocateDirect(NativeLibs.runtime(), 8);
        Pointer image = NativeLibs.bpf().bpf_map__initial_value(rodata, size);
        if (image == null || v.offset() + v.size() > size.getLong(0)) {
            throw new LoadException(name, "libbpf gives no image of .rodata holding " + variable);
        }
        image.put(v.offset(), value, 0, value.length);
    }

    /** Loads every program into the kernel (the verifier runs here) and creates the maps not bound. */
    public void load() {
        ensureNotLoaded();
        LibbpfLog.startCapture();
        int rc = NativeLibs.bpf().bpf_object__load(obj);
        String log = LibbpfLog.stopCapture();
        if (rc < 0) {
            String tail = log.length() > 4000 ? "..." + log.substring(log.length() - 4000) : log;
            throw new LoadException(name, rc, "load failed\n" + tail.strip());
        }
        loaded = true;
    }

    /** A loaded program by its C function name. */
    public Program program(String programName) {
        if (!loaded) {
            throw new IllegalStateException(name + ": load() before asking for program " + programName);
        }
        LibBpf lib = NativeLibs.bpf();
        for (Pointer p = lib.bpf_object__next_program(obj, null); p != null; p = lib.bpf_object__next_program(obj, p)) {
            if (programName.equals(lib.bpf_program__name(p))) {
                return new Program(programName, lib.bpf_program__fd(p), lib.bpf_program__type(p));
            }
        }
        throw new LoadException(name, "has no program " + programName);
    }

    /** The names of the object's programs. */
    public List<String> programNames() {
        LibBpf lib = NativeLibs.bpf();
        List<String> out = new ArrayList<>();
        for (Pointer p = lib.bpf_object__next_program(obj, null); p != null; p = lib.bpf_object__next_program(obj, p)) {
            out.add(lib.bpf_program__name(p));
        }
        return out;
    }

    /** The file descriptor of a loaded map of this object (its own, or the agent's it was bound to). */
    public int mapFd(String mapName) {
        Pointer m = maps.get(mapName);
        if (m == null) {
            throw new LoadException(name, "defines no map " + mapName);
        }
        return NativeLibs.bpf().bpf_map__fd(m);
    }

    /** The object's BTF, owned by the object (valid until close). */
    public Btf btf() {
        Pointer btf = NativeLibs.bpf().bpf_object__btf(obj);
        if (btf == null) {
            throw new LoadException(name, "carries no BTF (compile with -g)");
        }
        return new Btf(name, btf);
    }

    private void ensureNotLoaded() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (loaded) {
            throw new IllegalStateException(name + " is already loaded");
        }
    }

    /** Frees the object and its program fds; attached programs and pinned maps live on in the kernel. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            NativeLibs.bpf().bpf_object__close(obj);
        }
    }
}
