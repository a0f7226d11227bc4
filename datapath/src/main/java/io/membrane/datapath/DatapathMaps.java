package io.membrane.datapath;

import io.membrane.datapath.structs.Ct4Key;
import io.membrane.datapath.structs.Ct6Key;
import io.membrane.datapath.structs.CtEntry;
import io.membrane.datapath.structs.EndpointConfig;
import io.membrane.datapath.structs.EndpointInfo;
import io.membrane.datapath.structs.EndpointKey;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.datapath.structs.MetricsKey;
import io.membrane.datapath.structs.MetricsValue;
import io.membrane.datapath.structs.Notification;
import io.membrane.datapath.structs.NotifyBudget;
import io.membrane.datapath.structs.PolicyEntry;
import io.membrane.datapath.structs.PolicyKey;
import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.BpfMap;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.LruHashMap;
import io.membrane.maps.MapSpec;
import io.membrane.maps.PerCpuArrayMap;
import io.membrane.maps.PerfEventArrayMap;
import io.membrane.maps.PossibleCpus;
import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Every map the agent shares with the datapath, each declared once below as a {@link Shared} constant: its
 * pin name, kernel name, shape, size, the macro the generated headers give the C side for it, the header that
 * says it and the programs that use it. Everything else is derived from these declarations: the headers
 * ({@link ConfigHeaders}), the registry that opens them ({@link OpenMaps}, the agent's MapRegistry), its
 * status and map listing, and the loader's bindings (an object's map is bound by the kernel name, which is the
 * macro's value). Adding a map is one constant here plus its C definition. Sizes come from the configuration
 * ({@link Sizes}); an instance holds the specs for one set of sizes.
 *
 * <p>Kernel names are short forms of the pin names ({@code membrane_cidr4_dyn} is {@code mbr_cidr4_dyn}),
 * within the kernel's 15 characters and distinct (checked when the specs are made), so that {@code bpftool map
 * show} tells every map apart; pin files keep the long names.
 */
public final class DatapathMaps {
    /** The generated header that names a map for the C side. */
    public enum Header {
        NODE,
        PREFILTER
    }

    /** A program source that binds shared maps. */
    public enum Source {
        BPF_XDP("bpf_xdp.c"),
        BPF_LXC("bpf_lxc.c");

        private final String file;

        Source(String file) {
            this.file = file;
        }

        public String file() {
            return file;
        }
    }

    /**
     * One shared map, declared once. It is also the typed key to the map in a set of live maps:
     * {@code open.get(DatapathMaps.CIDR4_DYN)} is an {@code LpmTrieMap<Ipv4Prefix, PrefilterFlag>}.
     *
     * @param <M> the live map class
     */
    public static final class Shared<M extends BpfMap<?, ?>> {
        private final String macro;
        private final Header header;
        private final Set<Source> usedBy;
        private final Function<Sizes, MapSpec<M>> spec;

        private Shared(String macro, Header header, Set<Source> usedBy, Function<Sizes, MapSpec<M>> spec) {
            this.macro = macro;
            this.header = header;
            this.usedBy = Collections.unmodifiableSet(EnumSet.copyOf(usedBy));
            this.spec = spec;
        }

        /** The C macro naming the map ({@code CIDR4_DYN_MAP}); its size is {@code CIDR4_DYN_MAP_SIZE}. */
        public String macro() {
            return macro;
        }

        public Header header() {
            return header;
        }

        public Set<Source> usedBy() {
            return usedBy;
        }

        /** The spec for these sizes. */
        public MapSpec<M> spec(Sizes sizes) {
            return spec.apply(sizes);
        }

        /** Narrows a live map opened from this declaration's spec; the one unchecked step of typed access. */
        @SuppressWarnings("unchecked")
        M cast(BpfMap<?, ?> map) {
            return (M) map;
        }

        @Override
        public String toString() {
            return macro;
        }
    }

    /** Configurable map sizes; defaults follow Cilium's where it has the same map. */
    public record Sizes(int cidrFix, int cidrDyn, int ipcache, int lxc, int ct4, int ct6, int policy) {
        public static final Sizes DEFAULT = new Sizes(65_536, 65_536, 512_000, 65_535, 262_144, 262_144, 16_384);
    }

    private static final List<Shared<?>> DECLARED = new ArrayList<>();

    public static final Shared<PerfEventArrayMap> EVENTS =
            declare("EVENTS_MAP", Header.NODE, EnumSet.allOf(Source.class), s -> MapSpec.perfEventArray(
                            "membrane_events", PossibleCpus.count())
                    .withKernelName("mbr_events"));
    /** Slots {@link MetricsKey#index()}: a per-CPU array so the datapath's counting is an inlined lookup. */
    public static final Shared<PerCpuArrayMap<MetricsValue>> METRICS =
            declare("METRICS_MAP", Header.NODE, EnumSet.allOf(Source.class), s -> MapSpec.perCpuArray(
                            "membrane_metrics", MetricsValue.LAYOUT, MetricsKey.SLOTS)
                    .withKernelName("mbr_metrics"));

    public static final Shared<PerCpuArrayMap<NotifyBudget>> NOTIFY_BUDGET =
            declare("NOTIFY_BUDGET_MAP", Header.NODE, EnumSet.of(Source.BPF_XDP), s -> MapSpec.perCpuArray(
                            "membrane_notify_budget", NotifyBudget.LAYOUT, 1)
                    .withKernelName("mbr_notify_bdgt"));
    public static final Shared<BpfHashMap<Ipv4Prefix, PrefilterFlag>> CIDR4_FIX =
            declare("CIDR4_FIX_MAP", Header.PREFILTER, EnumSet.of(Source.BPF_XDP), s -> MapSpec.hashNoPrealloc(
                            "membrane_cidr4_fix", Ipv4Prefix.ADDRESS_LAYOUT, PrefilterFlag.LAYOUT, s.cidrFix())
                    .withKernelName("mbr_cidr4_fix"));
    public static final Shared<LpmTrieMap<Ipv4Prefix, PrefilterFlag>> CIDR4_DYN =
            declare("CIDR4_DYN_MAP", Header.PREFILTER, EnumSet.of(Source.BPF_XDP), s -> MapSpec.lpmTrie(
                            "membrane_cidr4_dyn", Ipv4Prefix.LAYOUT, PrefilterFlag.LAYOUT, s.cidrDyn())
                    .withKernelName("mbr_cidr4_dyn"));
    public static final Shared<BpfHashMap<Ipv6Prefix, PrefilterFlag>> CIDR6_FIX =
            declare("CIDR6_FIX_MAP", Header.PREFILTER, EnumSet.of(Source.BPF_XDP), s -> MapSpec.hashNoPrealloc(
                            "membrane_cidr6_fix", Ipv6Prefix.ADDRESS_LAYOUT, PrefilterFlag.LAYOUT, s.cidrFix())
                    .withKernelName("mbr_cidr6_fix"));
    public static final Shared<LpmTrieMap<Ipv6Prefix, PrefilterFlag>> CIDR6_DYN =
            declare("CIDR6_DYN_MAP", Header.PREFILTER, EnumSet.of(Source.BPF_XDP), s -> MapSpec.lpmTrie(
                            "membrane_cidr6_dyn", Ipv6Prefix.LAYOUT, PrefilterFlag.LAYOUT, s.cidrDyn())
                    .withKernelName("mbr_cidr6_dyn"));
    public static final Shared<LpmTrieMap<IpcacheKey, IpcacheValue>> IPCACHE =
            declare("IPCACHE_MAP", Header.NODE, EnumSet.of(Source.BPF_LXC), s -> MapSpec.lpmTrie(
                            "membrane_ipcache", IpcacheKey.LAYOUT, IpcacheValue.LAYOUT, s.ipcache())
                    .withKernelName("mbr_ipcache"));
    public static final Shared<BpfHashMap<EndpointKey, EndpointInfo>> LXC =
            declare("LXC_MAP", Header.NODE, EnumSet.of(Source.BPF_LXC), s -> MapSpec.hashNoPrealloc(
                            "membrane_lxc", EndpointKey.LAYOUT, EndpointInfo.LAYOUT, s.lxc())
                    .withKernelName("mbr_lxc"));
    public static final Shared<LruHashMap<Ct4Key, CtEntry>> CT4 =
            declare("CT4_MAP", Header.NODE, EnumSet.of(Source.BPF_LXC), s -> MapSpec.lruHash(
                            "membrane_ct4", Ct4Key.LAYOUT, CtEntry.LAYOUT, s.ct4())
                    .withKernelName("mbr_ct4"));
    public static final Shared<LruHashMap<Ct6Key, CtEntry>> CT6 =
            declare("CT6_MAP", Header.NODE, EnumSet.of(Source.BPF_LXC), s -> MapSpec.lruHash(
                            "membrane_ct6", Ct6Key.LAYOUT, CtEntry.LAYOUT, s.ct6())
                    .withKernelName("mbr_ct6"));

    /** Layouts every object may share (checked where the object's BTF has the struct). */
    public static final List<Layout<?>> PREFILTER_LAYOUTS = List.of(
            Ipv4Prefix.LAYOUT,
            Ipv6Prefix.LAYOUT,
            PrefilterFlag.LAYOUT,
            MetricsValue.LAYOUT,
            NotifyBudget.LAYOUT,
            Notification.HEADER,
            Notification.DROP_LAYOUT);

    public static final List<Layout<?>> ENDPOINT_LAYOUTS = List.of(
            EndpointConfig.LAYOUT,
            MetricsValue.LAYOUT,
            PolicyKey.LAYOUT,
            PolicyEntry.LAYOUT,
            IpcacheKey.LAYOUT,
            IpcacheValue.LAYOUT,
            EndpointKey.LAYOUT,
            EndpointInfo.LAYOUT,
            Ct4Key.LAYOUT,
            Ct6Key.LAYOUT,
            CtEntry.LAYOUT,
            Notification.HEADER,
            Notification.DROP_LAYOUT,
            Notification.POLICY_VERDICT_LAYOUT);

    private final Sizes sizes;
    private final Map<Shared<?>, MapSpec<?>> specs = new LinkedHashMap<>();

    public DatapathMaps(Sizes sizes) {
        this.sizes = sizes;
        Set<String> kernelNames = new HashSet<>();
        for (Shared<?> m : DECLARED) {
            MapSpec<?> spec = m.spec(sizes);
            if (!kernelNames.add(spec.kernelName())) {
                throw new IllegalStateException("two shared maps have the kernel name " + spec.kernelName());
            }
            specs.put(m, spec);
        }
    }

    private static <M extends BpfMap<?, ?>> Shared<M> declare(
            String macro, Header header, Set<Source> usedBy, Function<Sizes, MapSpec<M>> spec) {
        Shared<M> m = new Shared<>(macro, header, usedBy, spec);
        DECLARED.add(m);
        return m;
    }

    public static DatapathMaps defaults() {
        return new DatapathMaps(Sizes.DEFAULT);
    }

    /** Every shared map, in declaration order. */
    public static List<Shared<?>> declared() {
        return Collections.unmodifiableList(DECLARED);
    }

    /** The spec of one shared map at this instance's sizes. */
    @SuppressWarnings("unchecked")
    public <M extends BpfMap<?, ?>> MapSpec<M> spec(Shared<M> map) {
        return (MapSpec<M>) specs.get(map);
    }

    /** The shared maps a header names, in declaration order. */
    public List<Shared<?>> inHeader(Header header) {
        return DECLARED.stream().filter(m -> m.header() == header).toList();
    }

    /** The shared maps a program binds, in declaration order. */
    public List<Shared<?>> usedBy(Source source) {
        return DECLARED.stream().filter(m -> m.usedBy().contains(source)).toList();
    }

    /** The name of bpf_lxc's policy map definition, to which each endpoint's own policy map is bound by fd. */
    public static final String POLICY_TEMPLATE = "mbr_policy";

    /** The policy map of one endpoint: pinned as {@code membrane_policy_00042}, named {@code mbr_pol_00042}. */
    public MapSpec<BpfHashMap<PolicyKey, PolicyEntry>> policy(int endpointId) {
        if (endpointId < 0 || endpointId > 65_535) {
            throw new IllegalArgumentException("endpoint id " + endpointId + " is not 0..65535");
        }
        return MapSpec.hashNoPrealloc(
                        String.format("membrane_policy_%05d", endpointId),
                        PolicyKey.LAYOUT,
                        PolicyEntry.LAYOUT,
                        sizes.policy())
                .withKernelName(String.format("mbr_pol_%05d", endpointId));
    }

    public Sizes sizes() {
        return sizes;
    }
}
