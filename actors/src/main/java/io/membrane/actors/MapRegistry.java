package io.membrane.actors;

import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.structs.CtEntry;
import io.membrane.datapath.structs.Ct4Key;
import io.membrane.datapath.structs.Ct6Key;
import io.membrane.datapath.structs.EndpointInfo;
import io.membrane.datapath.structs.EndpointKey;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.datapath.structs.MetricsValue;
import io.membrane.datapath.structs.NotifyBudget;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.BpfMap;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.LruHashMap;
import io.membrane.maps.MapSpec;
import io.membrane.maps.PerCpuArrayMap;
import io.membrane.maps.PerfEventArrayMap;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.util.ArrayList;
import java.util.List;
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

    /** Every global map, open. Shared read-only with the actors that own writing each. */
    public record Handles(PinnedMaps pins, DatapathMaps specs, PerfEventArrayMap events,
                          PerCpuArrayMap<MetricsValue> metrics, PerCpuArrayMap<NotifyBudget> notifyBudget,
                          BpfHashMap<Ipv4Prefix, PrefilterFlag> cidr4Fix, LpmTrieMap<Ipv4Prefix, PrefilterFlag> cidr4Dyn,
                          BpfHashMap<Ipv6Prefix, PrefilterFlag> cidr6Fix, LpmTrieMap<Ipv6Prefix, PrefilterFlag> cidr6Dyn,
                          LpmTrieMap<IpcacheKey, IpcacheValue> ipcache, BpfHashMap<EndpointKey, EndpointInfo> lxc,
                          LruHashMap<Ct4Key, CtEntry> ct4, LruHashMap<Ct6Key, CtEntry> ct6) {
        public List<BpfMap<?, ?>> all() {
            return List.of(events, metrics, notifyBudget, cidr4Fix, cidr4Dyn, cidr6Fix, cidr6Dyn, ipcache, lxc, ct4, ct6);
        }

        public List<BpfMap<?, ?>> prefilterMaps() {
            return List.of(events, metrics, notifyBudget, cidr4Fix, cidr4Dyn, cidr6Fix, cidr6Dyn);
        }
    }

    private MapRegistry() {
    }

    /** Opens every map now (on the caller's dispatcher, which must be the blocking one). */
    public static Behavior<Command> create(AgentConfig config) {
        return Behaviors.setup(ctx -> {
            PinnedMaps pins = PinnedMaps.at(config.pinRoot());
            DatapathMaps specs = new DatapathMaps(config.mapSizes());
            List<String> outcomes = new ArrayList<>();
            Handles h = new Handles(pins, specs, open(pins, specs.events, outcomes), open(pins, specs.metrics, outcomes),
                    open(pins, specs.notifyBudget, outcomes), open(pins, specs.cidr4Fix, outcomes),
                    open(pins, specs.cidr4Dyn, outcomes), open(pins, specs.cidr6Fix, outcomes),
                    open(pins, specs.cidr6Dyn, outcomes), open(pins, specs.ipcache, outcomes),
                    open(pins, specs.lxc, outcomes), open(pins, specs.ct4, outcomes), open(pins, specs.ct6, outcomes));
            LOG.info("maps ready under {}: {}", pins.root(), String.join(", ", outcomes));
            return Behaviors.receive(Command.class)
                    .onMessage(GetHandles.class, m -> {
                        m.replyTo().tell(h);
                        return Behaviors.same();
                    })
                    .onMessage(GetStatus.class, m -> {
                        m.replyTo().tell(status(h, outcomes));
                        return Behaviors.same();
                    })
                    .onSignal(PostStop.class, s -> {
                        h.all().forEach(BpfMap::close);
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static <M extends BpfMap<?, ?>> M open(PinnedMaps pins, MapSpec<M> spec, List<String> outcomes) {
        PinnedMaps.Opened<M> o = pins.openOrCreateReporting(spec);
        outcomes.add(spec.name() + " " + o.outcome().name().toLowerCase());
        return o.map();
    }

    private static List<MapStatus> status(Handles h, List<String> outcomes) {
        List<MapStatus> out = new ArrayList<>();
        List<BpfMap<?, ?>> all = h.all();
        for (int i = 0; i < all.size(); i++) {
            BpfMap<?, ?> m = all.get(i);
            int entries = m.spec().type().isArray() || m instanceof PerfEventArrayMap ? m.spec().maxEntries()
                    : m.keys().size();
            String outcome = outcomes.get(i).substring(outcomes.get(i).lastIndexOf(' ') + 1);
            out.add(new MapStatus(m.name(), m.spec().type().name().toLowerCase(), entries, m.spec().maxEntries(),
                    h.pins().pathOf(m.spec()).toString(), outcome));
        }
        return out;
    }
}
