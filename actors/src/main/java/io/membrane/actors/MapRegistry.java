package io.membrane.actors;

import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.OpenMaps;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.BpfMap;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.PerfEventArrayMap;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens or creates every global map under the pin root before anything reads a map (start-up step 2), and
 * hands out the live handles. Maps of the same shape are reused with their contents, which is what lets the
 * prefilter's entries survive an agent restart. Its only failure mode is opening, at start; its supervisor
 * restarts it with back-off, since a bpffs that is not mounted yet or a kernel short of memory can recover.
 */
public final class MapRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(MapRegistry.class);

    public sealed interface Command permits GetHandles, GetStatus {}

    public record GetHandles(ActorRef<Handles> replyTo) implements Command {}

    public record GetStatus(ActorRef<List<MapStatus>> replyTo) implements Command {}

    /** One map for the status page. */
    public record MapStatus(String name, String type, int entries, int maxEntries, String pinPath, String outcome) {}

    /**
     * Every global map, open, as declared in {@link DatapathMaps}. Shared read-only with the actors that own
     * writing each. Typed access is by declaration ({@code get(DatapathMaps.CT4)}); the few named accessors are
     * shorthands kept for the maps other modules read by name (the benches, the ipcache work).
     */
    public record Handles(PinnedMaps pins, DatapathMaps specs, OpenMaps open) {
        public <M extends BpfMap<?, ?>> M get(DatapathMaps.Shared<M> map) {
            return open.get(map);
        }

        public BpfHashMap<Ipv4Prefix, PrefilterFlag> cidr4Fix() {
            return get(DatapathMaps.CIDR4_FIX);
        }

        public LpmTrieMap<Ipv4Prefix, PrefilterFlag> cidr4Dyn() {
            return get(DatapathMaps.CIDR4_DYN);
        }

        public LpmTrieMap<IpcacheKey, IpcacheValue> ipcache() {
            return get(DatapathMaps.IPCACHE);
        }

        /** Every global map, in declaration order. */
        public List<BpfMap<?, ?>> all() {
            return open.all();
        }

        /** The maps bpf_xdp (the prefilter) binds. */
        public List<BpfMap<?, ?>> prefilterMaps() {
            return open.usedBy(DatapathMaps.Source.BPF_XDP);
        }
    }

    private MapRegistry() {}

    /** Opens every map now (on the caller's dispatcher, which must be the blocking one). */
    public static Behavior<Command> create(AgentConfig config) {
        return Behaviors.setup(ctx -> {
            PinnedMaps pins = PinnedMaps.at(config.pinRoot());
            DatapathMaps specs = new DatapathMaps(config.mapSizes());
            Handles h = new Handles(pins, specs, OpenMaps.openOrCreateAll(pins, specs));
            LOG.info(
                    "maps ready under {}: {}",
                    pins.root(),
                    h.open().entries().values().stream()
                            .map(e -> e.map().name() + " " + outcome(e))
                            .collect(Collectors.joining(", ")));
            return Behaviors.receive(Command.class)
                    .onMessage(GetHandles.class, m -> {
                        m.replyTo().tell(h);
                        return Behaviors.same();
                    })
                    .onMessage(GetStatus.class, m -> {
                        m.replyTo().tell(status(h));
                        return Behaviors.same();
                    })
                    .onSignal(PostStop.class, s -> {
                        // At shutdown the actors that write the maps stop beside this one and may still handle a
                        // last message (a member that left): against a closed map that is a supervised failure.
                        if (CoordinatedShutdown.get(ctx.getSystem())
                                .getShutdownReason()
                                .isPresent()) {
                            ctx.getSystem().getWhenTerminated().thenRun(() -> h.open()
                                    .close());
                        } else {
                            h.open().close();
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static String outcome(OpenMaps.Entry e) {
        return e.outcome().name().toLowerCase(Locale.ROOT);
    }

    private static List<MapStatus> status(Handles h) {
        List<MapStatus> out = new ArrayList<>();
        for (OpenMaps.Entry e : h.open().entries().values()) {
            BpfMap<?, ?> m = e.map();
            int entries = m.spec().type().isArray() || m instanceof PerfEventArrayMap
                    ? m.spec().maxEntries()
                    : m.keys().size();
            out.add(new MapStatus(
                    m.name(),
                    m.spec().type().name().toLowerCase(Locale.ROOT),
                    entries,
                    m.spec().maxEntries(),
                    h.pins().pathOf(m.spec()).toString(),
                    outcome(e)));
        }
        return out;
    }
}
