package io.membrane.datapath.structs;

import io.membrane.maps.Coded;

/**
 * The one numbered list of packet fates, {@code enum drop_reason} in bpf/lib/drop_reasons.h, as Java names
 * and describes it. Each constant names its C enumerator; a test compares them with the enum in the compiled
 * objects' BTF, so a renumbered, renamed or missing reason fails it. Numbers follow Cilium's where the meaning
 * is the same; 240 (PREFILTER) is Membrane's own. A value of 130 or more, or 2, is a drop.
 */
public enum DropReason implements Coded {
    FORWARDED(0, "REASON_FORWARDED", "Forwarded"),
    INVALID_SOURCE_IP(132, "DROP_INVALID_SIP", "Invalid source ip"),
    POLICY_DENIED(133, "DROP_POLICY", "Policy denied"),
    INVALID_PACKET(134, "DROP_INVALID", "Invalid packet"),
    CT_INVALID_HEADER(135, "DROP_CT_INVALID_HDR", "CT: Truncated or invalid header"),
    CT_UNKNOWN_PROTOCOL(137, "DROP_CT_UNKNOWN_PROTO", "CT: Unknown L4 protocol"),
    UNSUPPORTED_L3(139, "DROP_UNSUPPORTED_L3", "Unsupported L3 protocol"),
    CT_CREATE_FAILED(155, "DROP_CT_CREATE_FAILED", "CT: Map insertion failed"),
    FRAGMENT_UNSUPPORTED(157, "DROP_FRAG_NOSUPPORT", "Fragmentation needed / not supported"),
    POLICY_DENY_RULE(181, "DROP_POLICY_DENY", "Policy denied by denylist"),
    PREFILTER(240, "DROP_PREFILTER", "Prefilter: source in deny list"),
    UNKNOWN(-1, "", "Unknown reason");

    private final int code;
    private final String cName;
    private final String description;

    DropReason(int code, String cName, String description) {
        this.code = code;
        this.cName = cName;
        this.description = description;
    }

    @Override
    public int code() {
        return code;
    }

    /** The enumerator of {@code enum drop_reason}; empty for {@link #UNKNOWN}, which C does not have. */
    public String cName() {
        return cName;
    }

    public String description() {
        return description;
    }

    public boolean isDrop() {
        return code == 2 || code >= 130;
    }

    public static DropReason of(int code) {
        return Coded.byCode(DropReason.class, code).orElse(UNKNOWN);
    }
}
