package io.membrane.lab.demo;

import io.membrane.maps.BpfHashMap;
import io.membrane.maps.Libbpf;
import io.membrane.maps.LpmTrieMap;
import io.membrane.maps.MapSpec;
import io.membrane.maps.PerCpuHashMap;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What `bin/membrane maps demo` runs: creates the prefilter-shaped maps under a demo pin
 * root, fills them, shows the kernel's longest-prefix match and per-CPU values, and says how to look at the
 * same maps with bpftool. Run it twice: the second run reuses the pinned maps and their contents.
 */
public final class MapsDemo {
    private static final Path ROOT = Path.of("/sys/fs/bpf/membrane-demo");

    /** A demo counter key, {@code struct demo_key { __u8 reason; __u8 dir; __u16 pad[3]; }}: per-CPU hash keys. */
    record MetricsKey(int reason, int direction) {
        static final Layout<MetricsKey> LAYOUT = Layout.of(
                "demo_key",
                8,
                List.of(Field.u8("reason", 0), Field.u8("dir", 1), Field.padding("pad", 2, 6)),
                (k, b, o) -> b.put(o, (byte) k.reason).put(o + 1, (byte) k.direction),
                (b, o) -> new MetricsKey(b.get(o) & 0xff, b.get(o + 1) & 0xff));
    }

    private MapsDemo() {}

    public static void main(String[] args) {
        if (List.of(args).contains("--clean")) {
            PinnedMaps.at(ROOT).removeAll();
            System.out.println("removed " + ROOT);
            return;
        }
        System.out.println("libbpf " + Libbpf.version() + ", pin root " + ROOT);
        PinnedMaps pins = PinnedMaps.at(ROOT);
        var dyn4Spec = MapSpec.lpmTrie("membrane_cidr4_dyn", Ipv4Prefix.LAYOUT, Layout.U8, 65_536);
        var fix4Spec = MapSpec.hashNoPrealloc("membrane_cidr4_fix", Ipv4Prefix.ADDRESS_LAYOUT, Layout.U8, 65_536);
        var dyn6Spec = MapSpec.lpmTrie("membrane_cidr6_dyn", Ipv6Prefix.LAYOUT, Layout.U8, 65_536);
        var metricsSpec = MapSpec.perCpuHash("demo_counters", MetricsKey.LAYOUT, Layout.U64, 1_024);

        var opened = pins.openOrCreateReporting(dyn4Spec);
        try (LpmTrieMap<Ipv4Prefix, Byte> dyn4 = opened.map();
                BpfHashMap<Ipv4Prefix, Byte> fix4 = pins.openOrCreate(fix4Spec);
                LpmTrieMap<Ipv6Prefix, Byte> dyn6 = pins.openOrCreate(dyn6Spec);
                PerCpuHashMap<MetricsKey, Long> metrics = pins.openOrCreate(metricsSpec)) {
            System.out.println(dyn4Spec.name() + ": " + opened.outcome().name().toLowerCase()
                    + (opened.outcome() == PinnedMaps.Outcome.REUSED
                            ? " (entries from the last run are still there)"
                            : ""));
            dyn4.put(Ipv4Prefix.parse("203.0.113.0/24"), (byte) 1);
            dyn4.put(Ipv4Prefix.parse("10.0.0.0/8"), (byte) 1);
            fix4.put(Ipv4Prefix.host("198.51.100.7"), (byte) 1);
            dyn6.put(Ipv6Prefix.parse("2001:db8:bad::/48"), (byte) 1);
            List<Long> perCpu = metrics.lookup(new MetricsKey(200, 1)).orElse(null);
            long previous = perCpu == null ? 0 : perCpu.get(0);
            metrics.putOnEveryCpu(new MetricsKey(200, 1), previous + 1);

            print(dyn4Spec.name(), dyn4.entries());
            print(fix4Spec.name(), fix4.entries());
            print(dyn6Spec.name(), dyn6.entries());
            print(metricsSpec.name(), metrics.entries());
            System.out.println("longest-prefix lookup of 10.1.2.3 in " + dyn4Spec.name() + ": "
                    + (dyn4.lookup(Ipv4Prefix.host("10.1.2.3")).isPresent() ? "hit (10.0.0.0/8)" : "miss"));
            System.out.println("lookup of 192.0.2.1: "
                    + (dyn4.lookup(Ipv4Prefix.host("192.0.2.1")).isPresent() ? "hit" : "miss"));
        }
        System.out.println();
        System.out.println("Try next:");
        System.out.println("  bpftool map show pinned " + ROOT.resolve("membrane_cidr4_dyn"));
        System.out.println("  bpftool map dump pinned " + ROOT.resolve("membrane_cidr4_dyn") + " -j");
        System.out.println("  bin/membrane maps demo           # again: the pinned maps are reused, counters go up");
        System.out.println("  bin/membrane maps demo --clean   # remove the demo pins");
        System.out.println("  bin/membrane bench maps          # our layer against a C loop over libbpf");
    }

    private static void print(String name, Map<?, ?> entries) {
        System.out.println(name + " (" + entries.size() + " entries)");
        entries.forEach((k, v) -> System.out.println("  " + k + " -> " + v));
    }
}
