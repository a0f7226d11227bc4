package io.membrane.actors.prefilter;

/**
 * Who a deny entry belongs to: this node only, or the whole cluster (replicated, and mirrored by every node).
 * One CIDR may hold both; it stays in the maps while either does.
 */
public enum Scope {
    NODE,
    CLUSTER;

    public String label() {
        return name().toLowerCase();
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static Scope parse(String text) {
        return switch (text) {
            case "node" -> NODE;
            case "cluster" -> CLUSTER;
            default ->
                throw new IllegalArgumentException("scope must be \"node\" or \"cluster\", was \"" + text + "\"");
        };
    }
}
