package io.membrane.datapath;

import io.membrane.maps.MapSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * Writes the headers the BPF programs include: node_config.h (every global map's name and size, node
 * addresses, feature flags), prefilter_config.h (the four CIDR maps) and one ep_config.h per endpoint. The
 * contract is bpf/README.md. Output is deterministic — same input, same bytes, no timestamps — because the
 * headers are part of the object cache key; a file is only rewritten when its bytes change.
 */
public final class ConfigHeaders {
    public static final String NODE = "node_config.h";
    public static final String PREFILTER = "prefilter_config.h";
    public static final String ENDPOINT = "ep_config.h";

    /**
     * What node_config.h says beyond the maps. {@code conntrackAccounting} turns on per-flow packet and byte
     * counts in conntrack entries (two atomic adds per packet; off by default, as Cilium's
     * --bpf-conntrack-accounting).
     */
    public record Node(
            Optional<Integer> ipv4,
            boolean enableIpv4,
            boolean enableIpv6,
            int prefilterNotifyBudget,
            boolean conntrackAccounting) {
        public static final Node DEFAULT = new Node(Optional.empty(), true, true, 100, false);

        public Node {
            if (prefilterNotifyBudget < 0) {
                throw new IllegalArgumentException(
                        "prefilter notify budget must be >= 0, was " + prefilterNotifyBudget);
            }
        }
    }

    private ConfigHeaders() {}

    public static String node(DatapathMaps maps, Node node) {
        StringBuilder sb = begin("MEMBRANE_NODE_CONFIG_H", "the agent's map registry and node configuration");
        sb.append("/* Global maps: kernel name (the loader binds by it) and size. */\n");
        defineMaps(sb, maps, DatapathMaps.Header.NODE);
        sb.append("\n/* This node. */\n");
        node.ipv4().ifPresent(ip -> define(sb, "NODE_IPV4", ipv4(ip)));
        sb.append("\n/* Features. */\n");
        if (node.enableIpv4()) {
            define(sb, "ENABLE_IPV4", "1");
        }
        if (node.enableIpv6()) {
            define(sb, "ENABLE_IPV6", "1");
        }
        define(sb, "PREFILTER_NOTIFY_BUDGET", String.valueOf(node.prefilterNotifyBudget()));
        if (node.conntrackAccounting()) {
            define(sb, "CONNTRACK_ACCOUNTING", "1");
        }
        return end(sb, "MEMBRANE_NODE_CONFIG_H");
    }

    public static String prefilter(DatapathMaps maps) {
        StringBuilder sb = begin("MEMBRANE_PREFILTER_CONFIG_H", "the agent's prefilter maps");
        defineMaps(sb, maps, DatapathMaps.Header.PREFILTER);
        return end(sb, "MEMBRANE_PREFILTER_CONFIG_H");
    }

    /**
     * The endpoints' shared header: what every endpoint's copy of bpf_lxc has in common (the policy map's shape),
     * so that one compile serves them all. Each endpoint's own values are constants set at load ({@link
     * io.membrane.datapath.structs.EndpointConfig}) and its policy map is bound to {@link
     * DatapathMaps#POLICY_TEMPLATE} by fd.
     */
    public static String endpointTemplate(DatapathMaps maps) {
        StringBuilder sb = begin("MEMBRANE_EP_CONFIG_H", "every endpoint (one compile; values set at load)");
        define(sb, "POLICY_MAP", DatapathMaps.POLICY_TEMPLATE);
        define(sb, "POLICY_MAP_SIZE", String.valueOf(maps.sizes().policy()));
        return end(sb, "MEMBRANE_EP_CONFIG_H");
    }

    private static void defineMaps(StringBuilder sb, DatapathMaps maps, DatapathMaps.Header header) {
        for (DatapathMaps.Shared<?> m : maps.inHeader(header)) {
            defineMap(sb, m.macro(), maps.spec(m));
        }
    }

    /** The C definition's name is the kernel name, which is what {@link ObjectLoader} binds it by. */
    private static void defineMap(StringBuilder sb, String macro, MapSpec<?> spec) {
        define(sb, macro, spec.kernelName());
        define(sb, macro + "_SIZE", String.valueOf(spec.maxEntries()));
    }

    /**
     * Writes {@code text} to {@code dir/name} unless the file already holds exactly those bytes (so an
     * unchanged header keeps its mtime), atomically via a temporary file. Returns the path.
     */
    public static Path write(Path dir, String name, String text) {
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(name);
            byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            if (Files.isRegularFile(target) && java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
                return target;
            }
            Path tmp = Files.createTempFile(dir, name, ".tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name + " in " + dir, e);
        }
    }

    private static StringBuilder begin(String guard, String from) {
        StringBuilder sb = new StringBuilder();
        sb.append("/* Generated by Membrane from ").append(from).append(". Do not edit: the agent rewrites it. */\n");
        sb.append("#ifndef ")
                .append(guard)
                .append('\n')
                .append("#define ")
                .append(guard)
                .append("\n\n");
        return sb;
    }

    private static String end(StringBuilder sb, String guard) {
        return sb.append("\n#endif /* ").append(guard).append(" */\n").toString();
    }

    private static void define(StringBuilder sb, String name, String value) {
        sb.append("#define ").append(name).append(' ').append(value).append('\n');
    }

    /** A __be32 constant for an address held as a number, first octet most significant. */
    static String ipv4(int address) {
        return String.format(
                "bpf_htonl(0x%08x) /* %d.%d.%d.%d */",
                address, address >>> 24, address >>> 16 & 0xff, address >>> 8 & 0xff, address & 0xff);
    }

    /** All three kinds at once, for callers that build a whole include directory. */
    public static List<Path> writeNode(Path dir, DatapathMaps maps, Node node) {
        return List.of(write(dir, NODE, node(maps, node)), write(dir, PREFILTER, prefilter(maps)));
    }
}
