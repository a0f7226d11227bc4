package io.membrane.datapath;

import io.membrane.datapath.structs.CtEntry;
import io.membrane.datapath.structs.Ct4Key;
import io.membrane.datapath.structs.Ct6Key;
import io.membrane.datapath.structs.EndpointInfo;
import io.membrane.datapath.structs.EndpointKey;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.datapath.structs.MetricsKey;
import io.membrane.datapath.structs.MetricsValue;
import io.membrane.datapath.structs.NotifyBudget;
import io.membrane.datapath.structs.PolicyEntry;
import io.membrane.datapath.structs.PolicyKey;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.LruHashMap;
import io.membrane.maps.MapSpec;
import io.membrane.maps.PerCpuArrayMap;
import io.membrane.maps.PerfEventArrayMap;
import io.membrane.maps.PossibleCpus;
import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.util.List;

/**
 * Every map the agent shares with the datapath: its name, shape and size, and the macro the generated headers
 * give the C side for it. This is the one place a map name or size is written; the headers, the map registry
 * and the loader's bindings are all derived from it. Sizes come from the configuration ({@link Sizes}).
 */
public final class DatapathMaps {
    /** A map and the macro name the C code knows it by ({@code CIDR4_DYN_MAP}, size {@code CIDR4_DYN_MAP_SIZE}). */
    public record Shared(String macro, MapSpec<?> spec) {
    }

    /** Configurable map sizes; defaults follow Cilium's where it has the same map. */
    public record Sizes(int cidrFix, int cidrDyn, int ipcache, int lxc, int ct4, int ct6, int policy) {
        public static final Sizes DEFAULT = new Sizes(65_536, 65_536, 512_000, 65_535, 262_144, 262_144, 16_384);
    }

    /** Layouts every object may share (checked where the object's BTF has the struct). */
    public static final List<Layout<?>> PREFILTER_LAYOUTS = List.of(Ipv4Prefix.LAYOUT, Ipv6Prefix.LAYOUT,
            PrefilterFlag.LAYOUT, MetricsValue.LAYOUT, NotifyBudget.LAYOUT,
            io.membrane.datapath.structs.Notification.HEADER, io.membrane.datapath.structs.Notification.DROP_LAYOUT);
    public static final List<Layout<?>> ENDPOINT_LAYOUTS = List.of(MetricsValue.LAYOUT,
            PolicyKey.LAYOUT, PolicyEntry.LAYOUT, IpcacheKey.LAYOUT, IpcacheValue.LAYOUT, EndpointKey.LAYOUT,
            EndpointInfo.LAYOUT, Ct4Key.LAYOUT, Ct6Key.LAYOUT, CtEntry.LAYOUT,
            io.membrane.datapath.structs.Notification.HEADER, io.membrane.datapath.structs.Notification.DROP_LAYOUT,
            io.membrane.datapath.structs.Notification.POLICY_VERDICT_LAYOUT);

    public final MapSpec<PerfEventArrayMap> events;
    /** Slots {@link MetricsKey#index()}: a per-CPU array so the datapath's counting is an inlined lookup. */
    public final MapSpec<PerCpuArrayMap<MetricsValue>> metrics;
    public final MapSpec<PerCpuArrayMap<NotifyBudget>> notifyBudget;
    public final MapSpec<BpfHashMap<Ipv4Prefix, PrefilterFlag>> cidr4Fix;
    public final MapSpec<LpmTrieMap<Ipv4Prefix, PrefilterFlag>> cidr4Dyn;
    public final MapSpec<BpfHashMap<Ipv6Prefix, PrefilterFlag>> cidr6Fix;
    public final MapSpec<LpmTrieMap<Ipv6Prefix, PrefilterFlag>> cidr6Dyn;
    public final MapSpec<LpmTrieMap<IpcacheKey, IpcacheValue>> ipcache;
    public final MapSpec<BpfHashMap<EndpointKey, EndpointInfo>> lxc;
    public final MapSpec<LruHashMap<Ct4Key, CtEntry>> ct4;
    public final MapSpec<LruHashMap<Ct6Key, CtEntry>> ct6;
    private final Sizes sizes;

    public DatapathMaps(Sizes sizes) {
        this.sizes = sizes;
        events = MapSpec.perfEventArray("membrane_events", PossibleCpus.count());
        metrics = MapSpec.perCpuArray("membrane_metrics", MetricsValue.LAYOUT, MetricsKey.SLOTS);
        notifyBudget = MapSpec.perCpuArray("membrane_notify_budget", NotifyBudget.LAYOUT, 1);
        cidr4Fix = MapSpec.hashNoPrealloc("membrane_cidr4_fix", Ipv4Prefix.ADDRESS_LAYOUT, PrefilterFlag.LAYOUT,
                sizes.cidrFix());
        cidr4Dyn = MapSpec.lpmTrie("membrane_cidr4_dyn", Ipv4Prefix.LAYOUT, PrefilterFlag.LAYOUT, sizes.cidrDyn());
        cidr6Fix = MapSpec.hashNoPrealloc("membrane_cidr6_fix", Ipv6Prefix.ADDRESS_LAYOUT, PrefilterFlag.LAYOUT,
                sizes.cidrFix());
        cidr6Dyn = MapSpec.lpmTrie("membrane_cidr6_dyn", Ipv6Prefix.LAYOUT, PrefilterFlag.LAYOUT, sizes.cidrDyn());
        ipcache = MapSpec.lpmTrie("membrane_ipcache", IpcacheKey.LAYOUT, IpcacheValue.LAYOUT, sizes.ipcache());
        lxc = MapSpec.hashNoPrealloc("membrane_lxc", EndpointKey.LAYOUT, EndpointInfo.LAYOUT, sizes.lxc());
        ct4 = MapSpec.lruHash("membrane_ct4", Ct4Key.LAYOUT, CtEntry.LAYOUT, sizes.ct4());
        ct6 = MapSpec.lruHash("membrane_ct6", Ct6Key.LAYOUT, CtEntry.LAYOUT, sizes.ct6());
    }

    public static DatapathMaps defaults() {
        return new DatapathMaps(Sizes.DEFAULT);
    }

    /** The maps node_config.h names, in header order. */
    public List<Shared> nodeMaps() {
        return List.of(new Shared("EVENTS_MAP", events), new Shared("METRICS_MAP", metrics),
                new Shared("NOTIFY_BUDGET_MAP", notifyBudget), new Shared("IPCACHE_MAP", ipcache),
                new Shared("LXC_MAP", lxc), new Shared("CT4_MAP", ct4), new Shared("CT6_MAP", ct6));
    }

    /** The maps prefilter_config.h names. */
    public List<Shared> prefilterMaps() {
        return List.of(new Shared("CIDR4_FIX_MAP", cidr4Fix), new Shared("CIDR4_DYN_MAP", cidr4Dyn),
                new Shared("CIDR6_FIX_MAP", cidr6Fix), new Shared("CIDR6_DYN_MAP", cidr6Dyn));
    }

    /** The policy map of one endpoint: {@code membrane_policy_00042}. */
    public MapSpec<BpfHashMap<PolicyKey, PolicyEntry>> policy(int endpointId) {
        if (endpointId < 0 || endpointId > 65_535) {
            throw new IllegalArgumentException("endpoint id " + endpointId + " is not 0..65535");
        }
        return MapSpec.hashNoPrealloc(String.format("membrane_policy_%05d", endpointId), PolicyKey.LAYOUT,
                PolicyEntry.LAYOUT, sizes.policy());
    }

    public Sizes sizes() {
        return sizes;
    }
}
