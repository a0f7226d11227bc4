package io.membrane.datapath;

import io.membrane.maps.BpfMap;
import io.membrane.maps.BpfMaps;
import io.membrane.maps.MapSpec;
import io.membrane.maps.PinnedMaps;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A set of live shared maps, opened from their {@link DatapathMaps} declarations: the agent's registry (every
 * map, pinned), or a test's or benchmark's fixture (the maps one program binds, pinned or not). Access is typed
 * by the declaration: {@code open.get(DatapathMaps.CT4)} is an {@code LruHashMap<Ct4Key, CtEntry>}. Closing the
 * set closes this process's descriptors; pinned maps live on.
 */
public final class OpenMaps implements AutoCloseable {
    /** One open map and what opening it did. */
    public record Entry(BpfMap<?, ?> map, PinnedMaps.Outcome outcome) {}

    private final DatapathMaps specs;
    private final Map<DatapathMaps.Shared<?>, Entry> maps;

    private OpenMaps(DatapathMaps specs, Map<DatapathMaps.Shared<?>, Entry> maps) {
        this.specs = specs;
        this.maps = Collections.unmodifiableMap(maps);
    }

    /** Opens or creates every declared map under {@code pins} (the registry). */
    public static OpenMaps openOrCreateAll(PinnedMaps pins, DatapathMaps specs) {
        return openOrCreate(pins, specs, DatapathMaps.declared());
    }

    /** Opens or creates the maps {@code source} binds under {@code pins}. */
    public static OpenMaps openOrCreate(PinnedMaps pins, DatapathMaps specs, DatapathMaps.Source source) {
        return openOrCreate(pins, specs, specs.usedBy(source));
    }

    /** Creates the maps {@code source} binds, unpinned: they go when the set is closed. */
    public static OpenMaps create(DatapathMaps specs, DatapathMaps.Source source) {
        return open(specs, specs.usedBy(source), spec -> new Entry(BpfMaps.create(spec), PinnedMaps.Outcome.CREATED));
    }

    private static OpenMaps openOrCreate(PinnedMaps pins, DatapathMaps specs, List<DatapathMaps.Shared<?>> which) {
        return open(specs, which, spec -> {
            PinnedMaps.Opened<? extends BpfMap<?, ?>> o = pins.openOrCreateReporting(spec);
            return new Entry(o.map(), o.outcome());
        });
    }

    private static OpenMaps open(
            DatapathMaps specs,
            List<DatapathMaps.Shared<?>> which,
            Function<MapSpec<? extends BpfMap<?, ?>>, Entry> opener) {
        Map<DatapathMaps.Shared<?>, Entry> out = new LinkedHashMap<>();
        try {
            for (DatapathMaps.Shared<?> m : which) {
                out.put(m, opener.apply(specs.spec(m)));
            }
        } catch (RuntimeException e) {
            out.values().forEach(entry -> entry.map().close());
            throw e;
        }
        return new OpenMaps(specs, out);
    }

    /** The live map of one declaration; refused if this set did not open it. */
    public <M extends BpfMap<?, ?>> M get(DatapathMaps.Shared<M> map) {
        Entry e = maps.get(map);
        if (e == null) {
            throw new IllegalArgumentException(map + " is not in this set of maps (it has " + maps.keySet() + ")");
        }
        return map.cast(e.map());
    }

    public DatapathMaps specs() {
        return specs;
    }

    /** Every open map with what opening it did, in declaration order. */
    public Map<DatapathMaps.Shared<?>, Entry> entries() {
        return maps;
    }

    /** Every open map, in declaration order. */
    public List<BpfMap<?, ?>> all() {
        List<BpfMap<?, ?>> out = new ArrayList<>();
        maps.values().forEach(e -> out.add(e.map()));
        return Collections.unmodifiableList(out);
    }

    /** The open maps {@code source} binds, in declaration order: what to hand the loader for it. */
    public List<BpfMap<?, ?>> usedBy(DatapathMaps.Source source) {
        List<BpfMap<?, ?>> out = new ArrayList<>();
        maps.forEach((m, e) -> {
            if (m.usedBy().contains(source)) {
                out.add(e.map());
            }
        });
        return Collections.unmodifiableList(out);
    }

    @Override
    public void close() {
        maps.values().forEach(e -> e.map().close());
    }
}
