package io.membrane.maps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The number of possible CPUs, which sizes every per-CPU value the kernel copies. It comes from
 * /sys/devices/system/cpu/possible (e.g. "0-3" or "0,2-5"), not from the online count: the kernel allocates a
 * slot for each possible CPU, online or not.
 */
public final class PossibleCpus {
    private static final Path POSSIBLE = Path.of("/sys/devices/system/cpu/possible");
    private static volatile int cached;

    private PossibleCpus() {}

    public static int count() {
        int n = cached;
        if (n == 0) {
            try {
                n = parse(Files.readString(POSSIBLE));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + POSSIBLE, e);
            }
            cached = n;
        }
        return n;
    }

    /**
     * Counts the CPUs of a kernel cpu list such as "0-3,8,10-11". The kernel copies one slot per possible CPU
     * (for_each_possible_cpu), so a gap in the numbering takes no slot.
     */
    static int parse(String list) {
        int count = 0;
        for (String part : list.strip().split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            int dash = part.indexOf('-');
            int first = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
            int last = Integer.parseInt(dash < 0 ? part : part.substring(dash + 1));
            count += last - first + 1;
        }
        if (count <= 0) {
            throw new IllegalArgumentException("empty cpu list: '" + list + "'");
        }
        return count;
    }
}
