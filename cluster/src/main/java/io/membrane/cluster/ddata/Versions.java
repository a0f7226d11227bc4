package io.membrane.cluster.ddata;

import java.util.Arrays;
import java.util.Objects;
import org.apache.pekko.cluster.UniqueAddress;

/**
 * An immutable version vector: for each node (a cluster incarnation, {@link UniqueAddress}) the number of
 * events it has made, a node not listed having made none. {@link CidrSet} keeps one for the whole set and one
 * per element (the element's "dots": the events that added it and that no replica has overridden yet).
 *
 * <p>Nodes are held sorted in two parallel arrays: a vector names a handful of nodes, an element's dots usually
 * one, and 100,000 elements each with a map would cost several times the memory of the list itself.
 */
public final class Versions {
    private static final UniqueAddress[] NO_NODES = new UniqueAddress[0];
    private static final Versions EMPTY = new Versions(NO_NODES, new long[0]);

    private final UniqueAddress[] nodes;
    private final long[] counters;

    private Versions(UniqueAddress[] nodes, long[] counters) {
        this.nodes = nodes;
        this.counters = counters;
    }

    public static Versions empty() {
        return EMPTY;
    }

    /** One node's count; {@code counter} must be positive. */
    public static Versions of(UniqueAddress node, long counter) {
        requirePositive(node, counter);
        return new Versions(new UniqueAddress[] {Objects.requireNonNull(node, "node")}, new long[] {counter});
    }

    /**
     * A vector from parallel arrays, as a payload names them: nodes strictly ascending, counters positive.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static Versions of(UniqueAddress[] nodes, long[] counters) {
        if (nodes.length != counters.length) {
            throw new IllegalArgumentException(nodes.length + " nodes but " + counters.length + " counters");
        }
        for (int i = 0; i < nodes.length; i++) {
            requirePositive(Objects.requireNonNull(nodes[i], "node"), counters[i]);
            if (i > 0 && nodes[i - 1].compareTo(nodes[i]) >= 0) {
                throw new IllegalArgumentException("nodes not in ascending order at " + nodes[i]);
            }
        }
        return nodes.length == 0 ? EMPTY : new Versions(nodes.clone(), counters.clone());
    }

    private static void requirePositive(UniqueAddress node, long counter) {
        if (counter <= 0) {
            throw new IllegalArgumentException("version of " + node + " must be positive: " + counter);
        }
    }

    public boolean isEmpty() {
        return nodes.length == 0;
    }

    /** How many nodes have a count here. */
    public int size() {
        return nodes.length;
    }

    /** The i-th node, in ascending order. */
    public UniqueAddress node(int i) {
        return nodes[i];
    }

    /** The i-th node's count. */
    public long counter(int i) {
        return counters[i];
    }

    /** The node's count, 0 when it has none here. */
    public long at(UniqueAddress node) {
        int i = Arrays.binarySearch(nodes, node);
        return i >= 0 ? counters[i] : 0;
    }

    /** This vector with {@code node}'s count set to {@code counter} (positive). */
    public Versions with(UniqueAddress node, long counter) {
        requirePositive(node, counter);
        int i = Arrays.binarySearch(nodes, node);
        if (i >= 0) {
            long[] c = counters.clone();
            c[i] = counter;
            return new Versions(nodes, c);
        }
        int at = -i - 1;
        UniqueAddress[] n = new UniqueAddress[nodes.length + 1];
        long[] c = new long[nodes.length + 1];
        System.arraycopy(nodes, 0, n, 0, at);
        System.arraycopy(counters, 0, c, 0, at);
        n[at] = node;
        c[at] = counter;
        System.arraycopy(nodes, at, n, at + 1, nodes.length - at);
        System.arraycopy(counters, at, c, at + 1, nodes.length - at);
        return new Versions(n, c);
    }

    /** This vector after one more event of {@code node}. */
    public Versions increment(UniqueAddress node) {
        return with(node, at(node) + 1);
    }

    /** Pointwise maximum. */
    public Versions merge(Versions that) {
        if (that.nodes.length == 0 || this == that) {
            return this;
        }
        if (nodes.length == 0) {
            return that;
        }
        UniqueAddress[] n = new UniqueAddress[nodes.length + that.nodes.length];
        long[] c = new long[n.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < nodes.length || j < that.nodes.length) {
            int cmp = i == nodes.length ? 1 : j == that.nodes.length ? -1 : nodes[i].compareTo(that.nodes[j]);
            if (cmp < 0) {
                n[k] = nodes[i];
                c[k++] = counters[i++];
            } else if (cmp > 0) {
                n[k] = that.nodes[j];
                c[k++] = that.counters[j++];
            } else {
                n[k] = nodes[i];
                c[k++] = Math.max(counters[i++], that.counters[j++]);
            }
        }
        return new Versions(Arrays.copyOf(n, k), Arrays.copyOf(c, k));
    }

    /** Whether this vector has seen every event of {@code that} (pointwise {@code >=}). */
    public boolean covers(Versions that) {
        for (int j = 0; j < that.nodes.length; j++) {
            if (at(that.nodes[j]) < that.counters[j]) {
                return false;
            }
        }
        return true;
    }

    /** The entries of this vector that {@code seen} has not seen (count above {@code seen}'s for that node). */
    public Versions unseenBy(Versions seen) {
        return filter((node, counter) -> counter > seen.at(node));
    }

    /** The entries this vector and {@code that} both hold with the same count. */
    public Versions sharedWith(Versions that) {
        return filter((node, counter) -> that.at(node) == counter);
    }

    /** The entries of this vector that {@code that} does not hold with the same count. */
    public Versions notSharedWith(Versions that) {
        return filter((node, counter) -> that.at(node) != counter);
    }

    /**
     * Hands a removed node's events to {@code collapseInto}: the removed node's entry goes, and collapseInto
     * counts one more event, so every replica that merges this sees it as newer than what the removed node did.
     */
    public Versions prune(UniqueAddress removed, UniqueAddress collapseInto) {
        int i = Arrays.binarySearch(nodes, removed);
        return i < 0 ? this : without(removed).increment(collapseInto);
    }

    /** This vector without {@code node}'s entry. */
    public Versions without(UniqueAddress node) {
        return filter((n, counter) -> !n.equals(node));
    }

    private interface EntryTest {
        boolean keep(UniqueAddress node, long counter);
    }

    private Versions filter(EntryTest test) {
        int kept = 0;
        boolean[] keep = new boolean[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            if (keep[i] = test.keep(nodes[i], counters[i])) {
                kept++;
            }
        }
        if (kept == nodes.length) {
            return this;
        }
        if (kept == 0) {
            return EMPTY;
        }
        UniqueAddress[] n = new UniqueAddress[kept];
        long[] c = new long[kept];
        for (int i = 0, k = 0; i < nodes.length; i++) {
            if (keep[i]) {
                n[k] = nodes[i];
                c[k++] = counters[i];
            }
        }
        return new Versions(n, c);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Versions v && Arrays.equals(nodes, v.nodes) && Arrays.equals(counters, v.counters);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(nodes) + Arrays.hashCode(counters);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < nodes.length; i++) {
            b.append(i == 0 ? "" : ", ")
                    .append(nodes[i].address().hostPort())
                    .append('#')
                    .append(nodes[i].longUid())
                    .append('=')
                    .append(counters[i]);
        }
        return b.append('}').toString();
    }

    /** The nodes of this vector as a Scala set (what {@code ReplicatedData.modifiedByNodes} answers). */
    public scala.collection.immutable.Set<UniqueAddress> nodeSet() {
        java.util.Set<UniqueAddress> nodes = new java.util.HashSet<>();
        for (int i = 0; i < size(); i++) {
            nodes.add(node(i));
        }
        return scala.collection.immutable.Set$.MODULE$.from(scala.jdk.javaapi.CollectionConverters.asScala(nodes));
    }
}
