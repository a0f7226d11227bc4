package io.membrane.actors.cli;

import io.membrane.actors.AgentConfig;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.IpEntry;
import io.membrane.actors.ipcache.IpCacheTable;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.structs.EndpointInfo;
import io.membrane.datapath.structs.EndpointKey;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.IpcacheValue;
import io.membrane.maps.BpfException;
import io.membrane.maps.BpfFs;
import io.membrane.maps.KeyValueMap;
import io.membrane.maps.MapSpec;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The ipcache's commands: {@code ip list} (the agent's view through the API, as {@code cilium-dbg ip list}) and
 * {@code bpf ipcache list} (the pinned map itself, decoded without the agent, as {@code cilium-dbg bpf ipcache
 * list}), so that what the agent believes and what the datapath holds can be compared.
 */
final class IpCommands {
    private IpCommands() {}

    static void addTo(Cli cli) {
        cli.add("ip", () -> new CommandLine(new IpGroup()).addSubcommand(new IpList(cli)));
        cli.add("bpf", () -> new CommandLine(new BpfGroup())
                .addSubcommand(new CommandLine(new BpfIpcache()).addSubcommand(new BpfIpcacheList(cli.out())))
                .addSubcommand(new CommandLine(new BpfEndpoint()).addSubcommand(new BpfEndpointList(cli.out()))));
    }

    @Command(name = "ip", description = "The ipcache: CIDRs and their identities.")
    static final class IpGroup extends Cli.Group {}

    @Command(
            name = "list",
            description = "Every CIDR of the agent's ipcache: its identity (number and labels), source and owner.")
    static final class IpList extends Cli.StandardCommand {
        private final Cli cli;

        @Option(names = "--json", description = "the API's reply as JSON")
        boolean json;

        @Option(names = "--cidr", paramLabel = "CIDR", description = "only the entries within this prefix")
        String cidr;

        IpList(Cli cli) {
            this.cli = cli;
        }

        @Override
        public Integer call() {
            List<IpEntry> entries =
                    cidr == null ? cli.client().ips() : cli.client().ips(cidr);
            PrintStream out = cli.out();
            if (json) {
                out.println(ApiJson.pretty(entries));
                return 0;
            }
            String row = "%-42s %-36s %-10s %s%n";
            out.printf(row, "IP", "IDENTITY", "SOURCE", "NODE");
            for (IpEntry e : entries) {
                List<String> labels = e.labels().isEmpty() ? List.of("") : e.labels();
                String source = e.claims() > 1 ? e.source() + " (" + e.claims() + " claims)" : e.source();
                out.printf(row, e.cidr(), e.identity() + " " + labels.get(0), source, e.node());
                String pad = " ".repeat(String.valueOf(e.identity()).length() + 1);
                for (String label : labels.subList(1, labels.size())) {
                    out.printf(row, "", pad + label, "", "");
                }
            }
            return 0;
        }
    }

    @Command(name = "bpf", description = "The datapath's maps, read directly.")
    static final class BpfGroup extends Cli.Group {}

    @Command(name = "ipcache", description = "The membrane_ipcache map.")
    static final class BpfIpcache extends Cli.Group {}

    /**
     * A reader of one of the agent's pinned maps, printing one row per entry in key order: no agent needed (root),
     * nothing mounted or created.
     */
    abstract static class PinnedMapReader<K, V> extends Cli.StandardCommand {
        private final PrintStream out;
        private final DatapathMaps.Shared<? extends KeyValueMap<K, V>> map;
        private final String header;

        @Option(names = "--config", paramLabel = "FILE", description = "the agent's config, for its pin root")
        Path config;

        @Option(names = "--pin-root", paramLabel = "DIR", description = "the pin root (default: the config's)")
        Path pinRoot;

        PinnedMapReader(PrintStream out, DatapathMaps.Shared<? extends KeyValueMap<K, V>> map, String header) {
            this.out = out;
            this.map = map;
            this.header = header;
        }

        /** What the rows are ordered by. */
        abstract Comparable<?> order(K key);

        abstract String row(K key, V value);

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public Integer call() {
            AgentConfig c = AgentConfig.load(Optional.ofNullable(config));
            Path root = pinRoot != null ? pinRoot : c.pinRoot();
            // A reader mounts nothing and creates nothing: PinnedMaps.at would make the root a bpffs.
            if (!Files.isDirectory(root) || !BpfFs.isBpfFs(root)) {
                throw new CliException("no pinned maps at " + root + " (not a directory on bpffs; --pin-root DIR)");
            }
            PinnedMaps pins = PinnedMaps.at(root);
            MapSpec<? extends KeyValueMap<K, V>> spec = new DatapathMaps(c.mapSizes()).spec(map);
            TreeMap<Comparable, String> rows = new TreeMap<>();
            try (KeyValueMap<K, V> m = pins.openExistingAnySize(spec)
                    .orElseThrow(() -> new CliException(
                            "no map pinned at " + pins.pathOf(spec) + " (is the agent set up? --pin-root DIR)"))) {
                m.entries().forEach((k, v) -> rows.put(order(k), row(k, v)));
            } catch (BpfException e) {
                throw new CliException("cannot read " + pins.pathOf(spec) + ": " + e.getMessage());
            }
            out.println(header);
            rows.values().forEach(out::println);
            return 0;
        }
    }

    @Command(
            name = "list",
            description = "The entries of the pinned membrane_ipcache map, decoded (no agent needed; root).")
    static final class BpfIpcacheList extends PinnedMapReader<IpcacheKey, IpcacheValue> {
        BpfIpcacheList(PrintStream out) {
            super(out, DatapathMaps.IPCACHE, String.format("%-42s %s", "IP PREFIX/ADDRESS", "IDENTITY"));
        }

        @Override
        Comparable<?> order(IpcacheKey key) {
            return IpCacheTable.cidrOf(key);
        }

        @Override
        String row(IpcacheKey key, IpcacheValue v) {
            return String.format(
                    "%-42s identity=%d node_addr=%s",
                    IpCacheTable.cidrOf(key),
                    Integer.toUnsignedLong(v.identity()),
                    new Ipv4Prefix(v.nodeAddress(), 32).addressText());
        }
    }

    @Command(name = "endpoint", description = "The membrane_lxc map: this node's endpoints.")
    static final class BpfEndpoint extends Cli.Group {}

    @Command(
            name = "list",
            description = "The entries of the pinned membrane_lxc map, decoded (no agent needed; root).")
    static final class BpfEndpointList extends PinnedMapReader<EndpointKey, EndpointInfo> {
        BpfEndpointList(PrintStream out) {
            // cilium-dbg bpf endpoint list's columns.
            super(out, DatapathMaps.LXC, String.format("%-40s %s", "IP ADDRESS", "LOCAL ENDPOINT INFO"));
        }

        @Override
        Comparable<?> order(EndpointKey key) {
            return (key.family() == IpcacheKey.FAMILY_IPV4 ? "4 " : "6 ") + address(key);
        }

        @Override
        String row(EndpointKey key, EndpointInfo v) {
            return String.format(
                    "%-40s id=%-5d flags=0x%04x ifindex=%-4d mac=%s nodemac=%s",
                    address(key), v.endpointId(), v.flags(), v.ifindex(), mac(v.mac()), mac(v.nodeMac()));
        }

        private static String address(EndpointKey k) {
            return k.family() == IpcacheKey.FAMILY_IPV4
                    ? new Ipv4Prefix(java.nio.ByteBuffer.wrap(k.address(), 0, 4).getInt(), 32).addressText()
                    : io.membrane.maps.net.Ipv6Prefix.addressText(java.util.Arrays.copyOf(k.address(), 16));
        }

        private static String mac(long mac) {
            return String.format(
                    "%02x:%02x:%02x:%02x:%02x:%02x",
                    mac >>> 40 & 0xff,
                    mac >>> 32 & 0xff,
                    mac >>> 24 & 0xff,
                    mac >>> 16 & 0xff,
                    mac >>> 8 & 0xff,
                    mac & 0xff);
        }
    }
}
