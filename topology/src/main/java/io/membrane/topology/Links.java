package io.membrane.topology;

/**
 * Devices inside namespaces: veth pairs made with both ends already in their namespaces (so nothing ever appears
 * in the root namespace, whose interfaces are not ours), bridges, addresses. Every call throws, naming the
 * {@code ip} command and its output, when the kernel refuses.
 */
public final class Links {
    /** The kernel's limit on a device name, IFNAMSIZ less the terminating NUL. */
    public static final int MAX_NAME = 15;

    private Links() {}

    /** A veth pair: {@code devA} inside {@code nsA}, {@code devB} inside {@code nsB}, both down. */
    public static void veth(String nsA, String devA, String nsB, String devB) {
        requireName(devA);
        requireName(devB);
        Command.run("ip", "link", "add", devA, "netns", nsA, "type", "veth", "peer", "name", devB, "netns", nsB)
                .orThrow();
    }

    /** A bridge {@code name} inside {@code ns}, up. */
    public static void bridge(String ns, String name) {
        requireName(name);
        Namespaces.exec(ns, "ip", "link", "add", name, "type", "bridge").orThrow();
        up(ns, name);
    }

    /** Makes {@code dev} a port of {@code bridge} (both in {@code ns}) and brings it up. */
    public static void attach(String ns, String dev, String bridge) {
        Namespaces.exec(ns, "ip", "link", "set", dev, "master", bridge).orThrow();
        up(ns, dev);
    }

    /** Adds {@code address/prefixLength} to {@code dev}; IPv6 without duplicate address detection (it would delay). */
    public static void address(String ns, String dev, String address, int prefixLength) {
        String cidr = address + "/" + prefixLength;
        if (address.contains(":")) {
            Namespaces.exec(ns, "ip", "-6", "addr", "add", cidr, "dev", dev, "nodad")
                    .orThrow();
        } else {
            Namespaces.exec(ns, "ip", "addr", "add", cidr, "dev", dev).orThrow();
        }
    }

    public static void up(String ns, String dev) {
        Namespaces.exec(ns, "ip", "link", "set", dev, "up").orThrow();
    }

    public static void down(String ns, String dev) {
        Namespaces.exec(ns, "ip", "link", "set", dev, "down").orThrow();
    }

    /** Refuses a device name the kernel would refuse, before anything is created. */
    public static String requireName(String dev) {
        if (dev.isEmpty() || dev.length() > MAX_NAME) {
            throw new IllegalArgumentException("device name '" + dev + "' must have 1.." + MAX_NAME + " characters");
        }
        return dev;
    }
}
