package io.membrane.datapath.structs;

import io.membrane.maps.Coded;

/** DIR_* in bpf/lib/common.h: always seen from the endpoint (or, for the prefilter, from the node). */
public enum Direction implements Coded {
    UNKNOWN(0),
    INGRESS(1),
    EGRESS(2);

    private final int code;

    Direction(int code) {
        this.code = code;
    }

    @Override
    public int code() {
        return code;
    }

    public static Direction of(int code) {
        return Coded.byCode(Direction.class, code).orElse(UNKNOWN);
    }
}
