package io.membrane.actors.monitor;

import java.io.IOException;
import java.util.List;

/** The monitor server refused the connection with an ERROR frame (or the server broke the protocol). */
public final class MonitorProtocolException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int code;
    private final List<Integer> supportedVersions;

    public MonitorProtocolException(int code, List<Integer> supportedVersions, String message) {
        super(message);
        this.code = code;
        this.supportedVersions = List.copyOf(supportedVersions);
    }

    /** {@link MonitorProtocol}'s ERR_* code; 0 when the server broke the protocol. */
    public int code() {
        return code;
    }

    /** The versions the server said it speaks (empty when it did not say). */
    public List<Integer> supportedVersions() {
        return supportedVersions;
    }
}
