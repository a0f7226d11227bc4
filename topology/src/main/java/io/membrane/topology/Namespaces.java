package io.membrane.topology;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * Named network namespaces as {@code ip netns} makes them ({@code /run/netns/NAME}) and commands run inside one.
 * Commands enter with {@code nsenter --net}, never {@code ip netns exec}, which would also remount /sys and hide
 * the bpffs the maps are pinned on. (Java work inside a namespace — setns(2) on a thread of its own — is the
 * agent's too, so it is {@code io.membrane.datapath.net.Netns#call}.)
 */
public final class Namespaces {
    public static final Path RUN_DIR = Path.of("/run/netns");

    private Namespaces() {}

    public static Path path(String name) {
        return RUN_DIR.resolve(name);
    }

    public static boolean exists(String name) {
        return path(name).toFile().exists();
    }

    /** Creates namespace {@code name} with its loopback up. */
    public static void create(String name) {
        Command.run("ip", "netns", "add", name).orThrow();
        exec(name, "ip", "link", "set", "lo", "up").orThrow();
    }

    /** Deletes the namespace if it exists; devices inside it go with it. */
    public static void delete(String name) {
        if (exists(name)) {
            Command.run("ip", "netns", "delete", name);
        }
    }

    /** The namespaces on this machine whose name {@code matches}, sorted. */
    public static List<String> named(Predicate<String> matches) {
        String[] names = RUN_DIR.toFile().list();
        if (names == null) {
            return List.of();
        }
        Arrays.sort(names);
        List<String> out = new ArrayList<>();
        for (String name : names) {
            if (matches.test(name)) {
                out.add(name);
            }
        }
        return out;
    }

    /** Runs a command inside namespace {@code name} (nsenter --net) and returns its exit code and output. */
    public static Command.Result exec(String name, String... cmd) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=" + path(name)));
        full.addAll(List.of(cmd));
        return Command.run(full);
    }
}
