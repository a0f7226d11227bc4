package io.membrane.cluster;

/**
 * Run in a child JVM by {@link ClusterNodeTest}: exits 0 when the JVM has the opens LMDB needs, 3 with
 * the refusal on stdout when it does not.
 */
public final class LmdbAccessProbe {
    private LmdbAccessProbe() {}

    public static void main(String[] args) {
        try {
            ClusterNode.requireLmdbAccess();
        } catch (IllegalStateException e) {
            System.out.println(e.getMessage());
            System.exit(3);
        }
    }
}
