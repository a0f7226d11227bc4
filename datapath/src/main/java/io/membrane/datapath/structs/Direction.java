package io.membrane.datapath.structs;

/** DIR_* in bpf/lib/common.h: always seen from the endpoint (or, for the prefilter, from the node). */
public enum Direction {
    UNKNOWN(0),
    INGRESS(1),
    EGRESS(2);

    private final int code;

    Direction(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Direction of(int code) {
        for (Direction d : values()) {
            if (d.code == code) {
                return d;
            }
        }
        return UNKNOWN;
    }

    public String label() {
        return name().toLowerCase();
    }
}
