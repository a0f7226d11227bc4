package io.membrane.topology;

import java.util.UUID;

/**
 * Two fresh network namespaces joined by a veth pair, with IPv4 and IPv6 addresses on both ends: the smallest
 * network a datapath test or the demo can send real packets through. Side A gets a second address of each
 * family, so a test can block one source while another keeps flowing. Names are unique per instance and
 * everything is removed on {@link #close()}; addresses are only ever used inside these namespaces. Make pairs
 * with {@link #create} or {@link #createNamed}: the record's constructor only names one, and {@code close()}
 * deletes the namespaces it names.
 *
 * @param nsA the namespace of side A
 * @param nsB the namespace of side B
 * @param devA side A's end of the veth pair, in {@code nsA}
 * @param devB side B's end, in {@code nsB}
 */
public record NamespacePair(String nsA, String nsB, String devA, String devB) implements AutoCloseable {
    public static final String A_V4 = "10.77.0.1";
    public static final String A_V4_OTHER = "10.77.0.3";
    public static final String B_V4 = "10.77.0.2";
    public static final String A_V6 = "2001:db8:77::1";
    public static final String A_V6_OTHER = "2001:db8:77::3";
    public static final String B_V6 = "2001:db8:77::2";

    private static NamespacePair unique(String prefix) {
        String id = UUID.randomUUID().toString().substring(0, 6);
        // Device names are at most 15 characters.
        String p = prefix.length() > 6 ? prefix.substring(0, 6) : prefix;
        return new NamespacePair(prefix + "-" + id + "-a", prefix + "-" + id + "-b", p + id + "a", p + id + "b");
    }

    /** Creates the namespaces, the veth pair and the addresses; cleans up if any step fails. */
    public static NamespacePair create(String prefix) {
        return setUpOrClean(unique(prefix));
    }

    /**
     * A pair with fixed, memorable names ({@code NAME-a}, {@code NAME-b}, devices {@code NAMEa}/{@code NAMEb}
     * without dashes) for people to type; a leftover pair of the same name is removed first.
     */
    public static NamespacePair createNamed(String name) {
        String dev = name.replace("-", "");
        if (dev.length() > Links.MAX_NAME - 1) {
            throw new IllegalArgumentException("name '" + name + "' makes device names longer than 15 characters");
        }
        NamespacePair pair = new NamespacePair(name + "-a", name + "-b", dev + "a", dev + "b");
        pair.close();
        return setUpOrClean(pair);
    }

    private static NamespacePair setUpOrClean(NamespacePair pair) {
        try {
            pair.setUp();
            return pair;
        } catch (RuntimeException e) {
            pair.close();
            throw e;
        }
    }

    private void setUp() {
        Namespaces.create(nsA);
        Namespaces.create(nsB);
        Links.veth(nsA, devA, nsB, devB);
        for (String[] side : new String[][] {{nsA, devA, A_V4, A_V6}, {nsB, devB, B_V4, B_V6}}) {
            Links.address(side[0], side[1], side[2], 24);
            Links.address(side[0], side[1], side[3], 64);
            Links.up(side[0], side[1]);
        }
        Links.address(nsA, devA, A_V4_OTHER, 24);
        Links.address(nsA, devA, A_V6_OTHER, 64);
    }

    /** Pings {@code to} from namespace A with source address {@code from}; returns how many replies came back. */
    public int pingFromA(String from, String to, int count) {
        return Ping.from(nsA, from, to, count);
    }

    @Override
    public void close() {
        Namespaces.delete(nsA);
        Namespaces.delete(nsB);
    }
}
