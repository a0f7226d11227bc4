package io.membrane.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.membrane.datapath.ConfigHeaders;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.Xdp;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.File;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's configuration, read once from HOCON (reference.conf defaults, then the node's file) into plain
 * values, and validated with messages that name the setting. Nothing below the agent reads HOCON.
 */
public record AgentConfig(
        Path pinRoot,
        Path runDir,
        Path bpfDir,
        String apiHost,
        int apiPort,
        long maxBodyBytes,
        String apiSocketGroup,
        Optional<TokenListener> tokenListener,
        List<Device> devices,
        boolean enableIpv4,
        boolean enableIpv6,
        int notifyBudget,
        boolean conntrackAccounting,
        DatapathMaps.Sizes mapSizes,
        int pagesPerCpu,
        int listenerQueue,
        int recentEvents,
        Duration retryMin,
        Duration retryMax,
        Duration deviceCheck,
        Endpoints endpoints,
        Config raw) {

    /**
     * The node's endpoints. {@code podCidr}: the pool their addresses come from (its first host address is their
     * gateway); none: endpoints are refused. {@code netns}: where their host-side veths are when that is not the
     * agent's own namespace (tests). {@code readyTimeout}: how long a {@code sync} create, a label change or a
     * delete may take before it is answered with a failure.
     */
    public record Endpoints(
            Optional<Ipv4Prefix> podCidr, Optional<String> netns, Duration interfaceCheck, Duration readyTimeout) {}

    /**
     * A native device that carries the prefilter; {@code netns} names the network namespace it lives in when
     * that is not the agent's own (the demo lab's device does this).
     */
    public record Device(String name, Xdp.Mode mode, Optional<String> netns) {
        public String label() {
            return netns.map(n -> n + "/").orElse("") + name;
        }
    }

    /**
     * The opt-in TCP listener of the full admin API: every request on it must carry {@code Authorization: Bearer
     * TOKEN}, the token read at start from {@code tokenFile} or from the environment variable {@code tokenEnv}
     * (exactly one of them is set).
     */
    public record TokenListener(String host, int port, Optional<Path> tokenFile, Optional<String> tokenEnv) {}

    /** The admin API's unix socket, in the run directory: the full API, for root and the socket's group. */
    public static final String API_SOCKET_NAME = "membrane.sock";

    private static final String DDATA_DIR_SETTING = "pekko.cluster.distributed-data.durable.lmdb.dir";
    /** The map sizes, in the order of their constructor: the keys of membrane.maps derive from their names. */
    private static final RecordComponent[] SIZES = DatapathMaps.Sizes.class.getRecordComponents();

    /** reference.conf plus {@code file} (if given), plus system properties on top. */
    public static AgentConfig load(Optional<Path> file) {
        Config base = ConfigFactory.defaultReference();
        Config config = file.map(f -> {
                    File ff = f.toFile();
                    if (!ff.isFile()) {
                        throw new IllegalArgumentException("config file " + f + " does not exist");
                    }
                    return ConfigFactory.parseFile(ff);
                })
                .orElse(ConfigFactory.empty());
        return from(ConfigFactory.systemProperties()
                .withFallback(config)
                .withFallback(base)
                .resolve());
    }

    public static AgentConfig from(Config c) {
        try {
            Config m = c.getConfig("membrane");
            List<Device> devices = new ArrayList<>();
            for (Config d : m.getConfigList("devices")) {
                String mode = d.hasPath("xdp-mode") ? d.getString("xdp-mode") : "native";
                devices.add(new Device(
                        d.getString("name"),
                        switch (mode) {
                            case "native" -> Xdp.Mode.NATIVE;
                            case "generic" -> Xdp.Mode.GENERIC;
                            default ->
                                throw new IllegalArgumentException("membrane.devices[" + d.getString("name")
                                        + "].xdp-mode: '" + mode + "' is not native or generic");
                        },
                        d.hasPath("netns") ? Optional.of(d.getString("netns")) : Optional.empty()));
            }
            Config maps = m.getConfig("maps");
            DatapathMaps.Sizes sizes = mapSizes(maps);
            int pages = m.getInt("events.pages-per-cpu");
            if (Integer.bitCount(pages) != 1) {
                throw new IllegalArgumentException(
                        "membrane.events.pages-per-cpu must be a power of two, was " + pages);
            }
            int port = port(m, "api.port");
            Path runDir = Path.of(m.getString("run-dir"));
            // Pekko's default store directory gets the remote port appended (a new, empty store on every start
            // with port 0) and its explicit form is a second setting to keep in step with run-dir, so the agent
            // derives it: one run dir per node holds everything that node keeps across restarts.
            Config raw = c.withValue(
                    DDATA_DIR_SETTING,
                    ConfigValueFactory.fromAnyRef(ddataDir(runDir).toString()));
            return new AgentConfig(
                    Path.of(m.getString("pin-root")),
                    runDir,
                    Path.of(m.getString("bpf-dir")).toAbsolutePath(),
                    m.getString("api.host"),
                    port,
                    m.getBytes("api.max-body-bytes"),
                    m.getString("api.socket-group"),
                    tokenListener(m),
                    List.copyOf(devices),
                    m.getBoolean("prefilter.enable-ipv4"),
                    m.getBoolean("prefilter.enable-ipv6"),
                    m.getInt("prefilter.notify-budget"),
                    m.getBoolean("conntrack.accounting"),
                    sizes,
                    pages,
                    m.getInt("events.listener-queue"),
                    m.getInt("events.recent"),
                    m.getDuration("device-retry.min"),
                    m.getDuration("device-retry.max"),
                    m.getDuration("device-retry.check-interval"),
                    endpoints(m),
                    raw);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("configuration: " + e.getMessage(), e);
        }
    }

    private static Endpoints endpoints(Config m) {
        Config e = m.getConfig("endpoints");
        Optional<Ipv4Prefix> pool = Optional.empty();
        String cidr = e.getString("pod-cidr");
        if (!cidr.isBlank()) {
            try {
                pool = Optional.of(Ipv4Prefix.parse(cidr));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("membrane.endpoints.pod-cidr: '" + cidr + "' is no IPv4 CIDR");
            }
            if (pool.get().length() > 30) {
                throw new IllegalArgumentException("membrane.endpoints.pod-cidr: " + cidr
                        + " leaves no address beside network, gateway and" + " broadcast");
            }
        }
        return new Endpoints(
                pool,
                Optional.of(e.getString("netns")).filter(n -> !n.isBlank()),
                e.getDuration("interface-check"),
                e.getDuration("ready-timeout"));
    }

    private static int port(Config m, String path) {
        int port = m.getInt(path);
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("membrane." + path + " must be 0..65535, was " + port);
        }
        return port;
    }

    private static Optional<TokenListener> tokenListener(Config m) {
        Config t = m.getConfig("api.token-listener");
        if (!t.getBoolean("enabled")) {
            return Optional.empty();
        }
        Optional<Path> file =
                Optional.of(t.getString("token-file")).filter(f -> !f.isBlank()).map(Path::of);
        Optional<String> env = Optional.of(t.getString("token-env")).filter(e -> !e.isBlank());
        if (file.isPresent() == env.isPresent()) {
            throw new IllegalArgumentException("membrane.api.token-listener is enabled: set exactly one of token-file"
                    + " and token-env (the full API over TCP needs a bearer token)");
        }
        return Optional.of(new TokenListener(t.getString("host"), port(m, "api.token-listener.port"), file, env));
    }

    /** The admin API's unix socket of an agent whose run directory is {@code runDir}. */
    public static Path apiSocket(Path runDir) {
        return runDir.resolve(API_SOCKET_NAME);
    }

    public Path apiSocket() {
        return apiSocket(runDir);
    }

    /**
     * Where the cluster keeps its durable Distributed Data (the cluster-scoped deny list) in LMDB. The name must
     * not end in "ddata": Pekko appends the system name and port to such a path even when it is set explicitly.
     */
    public Path ddataDir() {
        return ddataDir(runDir);
    }

    private static Path ddataDir(Path runDir) {
        return runDir.resolve("ddata-lmdb");
    }

    /**
     * {@code sizes} as the {@code membrane.maps} block: one key per component of {@link DatapathMaps.Sizes}, its
     * name in kebab-case ({@code cidrFix} is {@code cidr-fix}). Reading and writing derive the keys from the record,
     * so a new map size is a component and its default in reference.conf, nothing here.
     */
    public static Map<String, Integer> mapSizesBlock(DatapathMaps.Sizes sizes) {
        Map<String, Integer> block = new LinkedHashMap<>();
        for (RecordComponent c : SIZES) {
            try {
                block.put(mapSizeKey(c), (Integer) c.getAccessor().invoke(sizes));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read DatapathMaps.Sizes." + c.getName(), e);
            }
        }
        return block;
    }

    private static DatapathMaps.Sizes mapSizes(Config maps) {
        Object[] values = new Object[SIZES.length];
        Class<?>[] types = new Class<?>[SIZES.length];
        for (int i = 0; i < SIZES.length; i++) {
            values[i] = maps.getInt(mapSizeKey(SIZES[i]));
            types[i] = SIZES[i].getType();
        }
        try {
            return DatapathMaps.Sizes.class.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make DatapathMaps.Sizes from membrane.maps", e);
        }
    }

    private static String mapSizeKey(RecordComponent c) {
        return c.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    public ConfigHeaders.Node nodeHeader() {
        return new ConfigHeaders.Node(Optional.empty(), enableIpv4, enableIpv6, notifyBudget, conntrackAccounting);
    }

    public Path headerDir() {
        return runDir.resolve("include");
    }

    public Path objectCacheDir() {
        return runDir.resolve("objects");
    }

    public Path monitorSocket() {
        return runDir.resolve("monitor.sock");
    }
}
