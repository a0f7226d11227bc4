package io.membrane.datapath;

import io.membrane.maps.BpfMap;
import io.membrane.maps.layout.Layout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compile, check, bind and load, in that order: compiles a program of the bpf/ tree through the cache with
 * the generated headers, checks the shared structs against the object's BTF, binds every map the object
 * defines to the agent's map of the same kernel name (the generated headers name each C definition so), and
 * loads. The object may define no map of its own (only
 * libbpf's internal data sections): a map the agent does not own would be invisible to it, so such an object
 * is refused. Any refusal happens before anything reaches the kernel.
 */
public final class ObjectLoader {
    /** A loaded object and how it was compiled; closing it leaves attached programs and pinned maps alone. */
    public record Loaded(BpfObject object, ObjectCache.Compiled compiled) implements AutoCloseable {
        public Program program(String name) {
            return object.program(name);
        }

        @Override
        public void close() {
            object.close();
        }
    }

    private final ObjectCache cache;
    private final Path bpfDir;
    /** The objects (by key) whose BTF passed the layout check, each with the list of layouts it was checked for. */
    private final Set<String> checked = ConcurrentHashMap.newKeySet();

    /**
     * @param bpfDir the tree holding bpf_xdp.c, bpf_lxc.c and lib/
     */
    public ObjectLoader(ObjectCache cache, Path bpfDir) {
        this.cache = cache;
        this.bpfDir = bpfDir;
    }

    /** What {@code sourceFile} with {@code headerDirs} compiles to (from the cache when it holds it). */
    public ObjectCache.Compiled compile(String sourceFile, List<Path> headerDirs) {
        return cache.compile(bpfDir.resolve(sourceFile), headerDirs);
    }

    public ObjectCache cache() {
        return cache;
    }

    /**
     * @param sourceFile  e.g. "bpf_xdp.c"
     * @param headerDirs  directories holding the generated headers this program includes
     * @param agentMaps   the agent's live maps; each object map is bound to the one with its kernel name
     * @param layouts     the shared structs to check against the object's BTF
     */
    public Loaded load(
            String sourceFile,
            List<Path> headerDirs,
            Collection<? extends BpfMap<?, ?>> agentMaps,
            List<Layout<?>> layouts) {
        return load(sourceFile, headerDirs, agentMaps, layouts, Map.of(), Map.of());
    }

    /**
     * One copy of a template (an endpoint's bpf_lxc): as {@link #load(String, List, Collection, List)}, and the
     * object's maps named in {@code boundByDefinition} are bound to the map given (an endpoint's own policy map)
     * rather than by kernel name, and each of {@code constants} (a const volatile global by name, its bytes) is set
     * before load. The compile is the same for every copy, so the cache serves all but the first.
     */
    public Loaded load(
            String sourceFile,
            List<Path> headerDirs,
            Collection<? extends BpfMap<?, ?>> agentMaps,
            List<Layout<?>> layouts,
            Map<String, ? extends BpfMap<?, ?>> boundByDefinition,
            Map<String, byte[]> constants) {
        Map<String, BpfMap<?, ?>> byName = new TreeMap<>();
        for (BpfMap<?, ?> m : agentMaps) {
            BpfMap<?, ?> before = byName.put(m.spec().kernelName(), m);
            if (before != null && before != m) {
                throw new LoadException(
                        sourceFile,
                        "two agent maps have the kernel name " + m.spec().kernelName() + " (" + before.name() + ", "
                                + m.name() + "): a definition could bind to either");
            }
        }
        ObjectCache.Compiled compiled = cache.compile(bpfDir.resolve(sourceFile), headerDirs);
        BpfObject obj = BpfObject.open(compiled.object());
        try {
            // An object's BTF is fixed by its key: checked once, not again for every copy of a template.
            String checkedKey = compiled.key() + "/" + System.identityHashCode(layouts);
            if (!checked.contains(checkedKey)) {
                LayoutCheck.check(obj.btf(), layouts);
                checked.add(checkedKey);
            }
            List<String> foreign = new ArrayList<>();
            for (ObjectMap def : obj.maps()) {
                if (def.isInternal()) {
                    continue;
                }
                BpfMap<?, ?> agentMap = boundByDefinition.containsKey(def.name())
                        ? boundByDefinition.get(def.name())
                        : byName.get(def.name());
                if (agentMap == null) {
                    foreign.add(def.name());
                } else {
                    obj.bind(def.name(), agentMap);
                }
            }
            if (!foreign.isEmpty()) {
                throw new LoadException(
                        obj.name(),
                        "defines maps the agent does not own: " + foreign + " (declare them in DatapathMaps)");
            }
            constants.forEach(obj::setConstant);
            obj.load();
            return new Loaded(obj, compiled);
        } catch (RuntimeException e) {
            obj.close();
            throw e;
        }
    }
}
