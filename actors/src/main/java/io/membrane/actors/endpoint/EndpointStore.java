package io.membrane.actors.endpoint;

import io.membrane.actors.identity.LabelException;
import io.membrane.actors.identity.LabelSet;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The endpoints' state in the run directory, what a restarted agent restores from: one directory per endpoint (as
 * Cilium keeps {@code /var/run/cilium/state/<id>/}), holding one file replaced atomically at every change. An entry
 * that cannot be read is reported with its reason, not dropped in silence and not fatal to the others.
 */
public final class EndpointStore {
    private static final String HEADER = "# membrane endpoint v1";
    private static final String FILE = "endpoint";
    /** An endpoint id names a directory and appears in map names: short, and no path tricks. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /**
     * What is kept of one endpoint.
     *
     * @param identity its labels' identity number when it had one (0: none yet)
     * @param program the compiled template's key the endpoint's links run ("": not known), so that a restore can
     *     tell whether the pinned program is what a regeneration would load
     */
    public record Saved(
            String id,
            String interfaceName,
            Optional<Ipv4Prefix> ipv4,
            Optional<Ipv6Prefix> ipv6,
            LabelSet labels,
            Optional<String> mac,
            int identity,
            EndpointState state,
            String program) {
        public Saved {
            requireId(id);
            if (interfaceName.isEmpty()
                    || interfaceName.length() > 15
                    || !interfaceName.chars().allMatch(c -> c > ' ' && c < 0x7f && c != '/')) {
                throw new IllegalArgumentException("'" + interfaceName + "' is no interface name");
            }
            if (ipv4.isEmpty() && ipv6.isEmpty()) {
                throw new IllegalArgumentException("endpoint " + id + " has no address");
            }
            if (ipv4.map(a -> !a.isHost()).orElse(false)
                    || ipv6.map(a -> !a.isHost()).orElse(false)) {
                throw new IllegalArgumentException("endpoint " + id + ": an address is one host, not a prefix");
            }
        }
    }

    /** What a start found: the endpoints it can restore, and each id it cannot with why. */
    public record Loaded(List<Saved> endpoints, Map<String, String> unreadable) {}

    private final Path dir;

    private EndpointStore(Path dir) {
        this.dir = dir;
    }

    /** The store under {@code dir} (the run directory's {@code endpoints/}); nothing is created until a save. */
    public static EndpointStore at(Path dir) {
        return new EndpointStore(dir);
    }

    /** Whether {@code id} can name an endpoint: 1 to 64 of {@code [A-Za-z0-9._-]}, starting with a letter or digit. */
    public static boolean isValidId(String id) {
        return ID.matcher(id).matches();
    }

    private static void requireId(String id) {
        if (!isValidId(id)) {
            throw new IllegalArgumentException("'" + id + "' is no endpoint id (1 to 64 of [A-Za-z0-9._-])");
        }
    }

    /** Writes one endpoint's state, replacing what was there, atomically. */
    public void save(Saved s) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(HEADER);
        lines.add("id " + s.id());
        lines.add("interface " + s.interfaceName());
        s.ipv4().ifPresent(a -> lines.add("ipv4 " + a.addressText()));
        s.ipv6().ifPresent(a -> lines.add("ipv6 " + Ipv6Prefix.addressText(a.addressBytes())));
        s.mac().ifPresent(m -> lines.add("mac " + m));
        lines.add("identity " + s.identity());
        lines.add("state " + s.state().text());
        if (!s.program().isEmpty()) {
            lines.add("program " + s.program());
        }
        s.labels().texts().forEach(l -> lines.add("label " + l));
        StateFiles.replace(dir.resolve(s.id()).resolve(FILE), lines);
    }

    /** Forgets an endpoint; nothing happens if it was not kept. */
    public void remove(String id) throws IOException {
        requireId(id);
        Path d = dir.resolve(id);
        Files.deleteIfExists(d.resolve(FILE + ".tmp"));
        Files.deleteIfExists(d.resolve(FILE));
        Files.deleteIfExists(d);
    }

    /** The endpoint kept under {@code id}, if any; one that cannot be read is an IOException naming why. */
    public Optional<Saved> load(String id) throws IOException {
        requireId(id);
        try {
            return Optional.of(read(id, Files.readAllLines(dir.resolve(id).resolve(FILE), StandardCharsets.UTF_8)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            throw new IOException("endpoint " + id + ": " + e.getMessage(), e);
        }
    }

    /** Every endpoint kept, by id. */
    public Loaded loadAll() throws IOException {
        Map<String, Saved> found = new TreeMap<>();
        Map<String, String> unreadable = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path d : entries) {
                String id = d.getFileName().toString();
                if (!Files.isDirectory(d)) {
                    continue;
                }
                try {
                    found.put(id, read(id, Files.readAllLines(d.resolve(FILE), StandardCharsets.UTF_8)));
                } catch (NoSuchFileException e) {
                    unreadable.put(id, "no " + FILE + " file (a save that never completed)");
                } catch (IllegalArgumentException | IOException e) {
                    unreadable.put(id, e.getMessage());
                }
            }
        } catch (NoSuchFileException e) {
            // nothing was ever saved
        }
        return new Loaded(List.copyOf(found.values()), unreadable);
    }

    private static Saved read(String dirName, List<String> lines) {
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new IllegalArgumentException("it does not start with '" + HEADER + "'");
        }
        Map<String, String> one = new TreeMap<>();
        List<String> labels = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            int space = line.indexOf(' ');
            if (space <= 0) {
                throw new IllegalArgumentException("bad line '" + line + "'");
            }
            String key = line.substring(0, space);
            String value = line.substring(space + 1);
            if (key.equals("label")) {
                labels.add(value);
            } else if (one.put(key, value) != null) {
                throw new IllegalArgumentException("'" + key + "' given twice");
            }
        }
        String id = required(one, "id");
        if (!id.equals(dirName)) {
            throw new IllegalArgumentException("the file names endpoint '" + id + "', its directory '" + dirName + "'");
        }
        try {
            return new Saved(
                    id,
                    required(one, "interface"),
                    Optional.ofNullable(one.get("ipv4")).map(Ipv4Prefix::host),
                    Optional.ofNullable(one.get("ipv6")).map(Ipv6Prefix::host),
                    LabelSet.parse(String.join(",", labels)),
                    Optional.ofNullable(one.get("mac")),
                    Integer.parseInt(required(one, "identity")),
                    EndpointState.of(required(one, "state")),
                    one.getOrDefault("program", ""));
        } catch (LabelException e) {
            throw new IllegalArgumentException("bad label: " + e.getMessage(), e);
        }
    }

    private static String required(Map<String, String> fields, String key) {
        String v = fields.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no '" + key + "' line");
        }
        return v;
    }
}
