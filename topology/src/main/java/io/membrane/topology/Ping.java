package io.membrane.topology;

import java.util.ArrayList;
import java.util.List;

/**
 * Reachability as the tests and the lab check it: ping inside a namespace, counting the replies. A blocked
 * source is "0 replies", so callers compare counts rather than exit codes (ping exits 1 on any loss).
 */
public final class Ping {
    private Ping() {}

    /** Pings {@code to} from namespace {@code ns} with source {@code from} every 0.2 s; the number of replies. */
    public static int from(String ns, String from, String to, int count) {
        return ping(ns, count, "-I", from, to);
    }

    /** {@link #from(String, String, String, int)} with the source address the kernel picks. */
    public static int from(String ns, String to, int count) {
        return ping(ns, count, to);
    }

    private static int ping(String ns, int count, String... target) {
        List<String> cmd =
                new ArrayList<>(List.of("ping", "-n", "-q", "-c", String.valueOf(count), "-i", "0.2", "-W", "1"));
        cmd.addAll(List.of(target));
        return repliesIn(Namespaces.exec(ns, cmd.toArray(String[]::new)).output());
    }

    /** The "N received" count of ping's summary line. */
    public static int repliesIn(String pingOutput) {
        for (String line : pingOutput.split("\n")) {
            int idx = line.indexOf(" received");
            if (idx > 0) {
                String head = line.substring(0, idx);
                return Integer.parseInt(head.substring(head.lastIndexOf(' ') + 1));
            }
        }
        throw new IllegalStateException("ping printed no summary: " + pingOutput);
    }
}
