package io.membrane.datapath.structs;

/**
 * The one numbered list of packet fates in bpf/lib/drop_reasons.h, shared by C and Java. Numbers follow
 * Cilium's where the meaning is the same; 240 (PREFILTER) is Membrane's own. A value of 130 or more, or 2, is a
 * drop.
 */
public enum DropReason {
    FORWARDED(0, "Forwarded"),
    INVALID_SOURCE_IP(132, "Invalid source ip"),
    POLICY_DENIED(133, "Policy denied"),
    INVALID_PACKET(134, "Invalid packet"),
    CT_INVALID_HEADER(135, "CT: Truncated or invalid header"),
    CT_UNKNOWN_PROTOCOL(137, "CT: Unknown L4 protocol"),
    UNSUPPORTED_L3(139, "Unsupported L3 protocol"),
    CT_CREATE_FAILED(155, "CT: Map insertion failed"),
    FRAGMENT_UNSUPPORTED(157, "Fragmentation needed / not supported"),
    POLICY_DENY_RULE(181, "Policy denied by denylist"),
    PREFILTER(240, "Prefilter: source in deny list"),
    UNKNOWN(-1, "Unknown reason");

    private final int code;
    private final String description;

    DropReason(int code, String description) {
        this.code = code;
        this.description = description;
    }

    public int code() {
        return code;
    }

    public String description() {
        return description;
    }

    public boolean isDrop() {
        return code == 2 || code >= 130;
    }

    public static DropReason of(int code) {
        for (DropReason r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return UNKNOWN;
    }

    /** The reason's name as Prometheus labels and the CLI show it ("policy_denied"). */
    public String label() {
        return name().toLowerCase();
    }
}
