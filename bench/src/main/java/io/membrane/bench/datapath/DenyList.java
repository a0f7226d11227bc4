package io.membrane.bench.datapath;

import io.membrane.maps.net.Ipv4Prefix;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A deterministic IPv4 deny list for the prefilter bench: {@code size} distinct CIDRs of every prefix length
 * from /8 to /32, shaped like public block lists — mostly /32 hosts and /24 networks, a few of each length in
 * between, and so few short prefixes that about 93% of the address space stays outside, so misses exist.
 * Same size and seed, same list. It also picks the probe addresses: a "hit" whose longest match is a /24 (so
 * the exact-address map misses and only the trie finds it) and a "deep miss" next to a loaded /24.
 */
final class DenyList {
    static final long SEED = 0x6d656d6272616e65L;
    /** Share of the list at each prefix length 8..31 (at least one each); /32 takes what is left. */
    private static final double[] SHARE = new double[33];

    static {
        double[] shortOnes = {0.00002, 0.00003, 0.00005, 0.0001, 0.0002, 0.0003, 0.0005, 0.001}; // /8../15
        System.arraycopy(shortOnes, 0, SHARE, 8, shortOnes.length);
        for (int len = 16; len <= 31; len++) {
            SHARE[len] = 0.01;
        }
        SHARE[24] = 0.30;
    }

    private static final int NO_CIDRS_MISS = 0xc6336400 | 42; // 198.51.100.42

    private final List<Ipv4Prefix> cidrs;

    private DenyList(List<Ipv4Prefix> cidrs) {
        this.cidrs = Collections.unmodifiableList(cidrs);
    }

    static DenyList generate(int size, long seed) {
        if (size == 0) {
            return new DenyList(List.of());
        }
        int[] count = new int[33];
        int ranges = 0;
        for (int len = 8; len <= 31; len++) {
            count[len] = Math.max(1, (int) Math.round(size * SHARE[len]));
            ranges += count[len];
        }
        if (ranges >= size) {
            throw new IllegalArgumentException("a deny list of " + size + " cannot hold every length 8..32");
        }
        count[32] = size - ranges;
        SplittableRandom random = new SplittableRandom(seed);
        List<Ipv4Prefix> out = new ArrayList<>(size);
        for (int len = 8; len <= 32; len++) {
            Set<Ipv4Prefix> distinct = new LinkedHashSet<>();
            while (distinct.size() < count[len]) {
                distinct.add(new Ipv4Prefix(random.nextInt(), len));
            }
            out.addAll(distinct);
        }
        return new DenyList(out);
    }

    List<Ipv4Prefix> all() {
        return cidrs;
    }

    /** The /32s: the prefilter keeps them in its exact-address hash. */
    List<Ipv4Prefix> hosts() {
        return cidrs.stream().filter(Ipv4Prefix::isHost).toList();
    }

    /** Everything shorter than /32: the prefilter keeps them in its LPM trie. */
    List<Ipv4Prefix> ranges() {
        return cidrs.stream().filter(p -> !p.isHost()).toList();
    }

    /** How many prefix lengths the list uses. */
    long distinctLengths() {
        return cidrs.stream().mapToInt(Ipv4Prefix::length).distinct().count();
    }

    /** The length of the longest loaded prefix holding {@code address}, or -1 if none does. */
    int longestMatch(int address) {
        int best = -1;
        for (Ipv4Prefix p : cidrs) {
            if (p.length() > best && p.contains(new Ipv4Prefix(address, 32))) {
                best = p.length();
            }
        }
        return best;
    }

    /** An address whose longest loaded prefix is a /24: found by the trie, not by the exact-address map. */
    int hitInRange() {
        for (Ipv4Prefix p : cidrs) {
            int candidate = p.address() | 42;
            if (p.length() == 24 && longestMatch(candidate) == 24) {
                return candidate;
            }
        }
        throw new IllegalStateException("no /24 without a longer prefix inside it among " + cidrs.size() + " CIDRs");
    }

    /**
     * An address outside every loaded prefix that shares 23 leading bits with a loaded /24 (its sibling /24), so a
     * trie lookup walks deep before it fails. With no CIDRs: 198.51.100.42.
     */
    int deepMiss() {
        if (cidrs.isEmpty()) {
            return NO_CIDRS_MISS;
        }
        for (Ipv4Prefix p : cidrs) {
            int candidate = (p.address() ^ 0x100) | 42;
            if (p.length() == 24 && longestMatch(candidate) < 0) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free sibling of a /24 among " + cidrs.size() + " CIDRs");
    }
}
