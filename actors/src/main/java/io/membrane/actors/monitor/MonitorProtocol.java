package io.membrane.actors.monitor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The monitor socket's wire protocol: versioned and framed, so a later version can be served beside v1. The
 * same text is in {@code actors/MONITOR_PROTOCOL.md}.
 *
 * <h2>Transport and framing (the same for every version)</h2>
 * A Unix stream socket, by default {@code <run-dir>/monitor.sock} (mode 0660). Integers are big-endian. Each
 * side first sends the 4-byte magic {@code "MBRM"} ({@code 4d 42 52 4d}); after it, only frames:
 * <pre>
 *   u32 length   bytes that follow: 1 + payload, 1 .. 1 MiB
 *   u8  kind
 *   ..  payload
 * </pre>
 *
 * <h2>Handshake (its layout never changes, so any client can learn what a server speaks)</h2>
 * <pre>
 *   client → HELLO   0x01  u8 n (1..16), u16 version × n in the client's order of preference,
 *                          then a UTF-8 JSON object of options (may be empty = all defaults):
 *                            "types":  ["drop","policy-verdict","lost","unknown"]   events wanted; absent = all
 *                            "queue":  int   the listener queue the client asks for, 1 .. the server's
 *                            "client": string   a name for the server's logs
 *                          Unknown option keys are ignored; an unknown type name is refused.
 *   server → WELCOME 0x02  u16 chosen version (the first of the client's the server speaks),
 *                          then UTF-8 JSON: {"heartbeat_ms": int, "queue": int, "types": [..], "server": "membrane"}
 *         or ERROR   0x7F  u8 code, u8 n, u16 supported version × n, then a UTF-8 message; the server closes.
 *                          code 1 unsupported version, 2 bad hello, 3 busy (too many clients), 4 shutting down
 * </pre>
 * A connection that does not start with the magic, or does not complete its HELLO within the handshake timeout,
 * is closed without an answer.
 *
 * <h2>Version 1 stream (server → client; the client sends nothing more and closes to stop)</h2>
 * <pre>
 *   EVENT     0x10  UTF-8 JSON of one event, {@link EventFormat} schema 1
 *   HEARTBEAT 0x11  u64 server time (ms since the epoch), u64 the pump's newest seq;
 *                   sent after heartbeat_ms without another frame. A client that hears nothing for
 *                   3 × heartbeat_ms may assume the server is gone.
 *   DROPPED   0x12  UTF-8 JSON {"cause": "too-slow" | "sink-failed", "reason": ".."}: the server dropped this
 *                   client (its queue overflowed: it read too slowly); the server closes after it
 *   BYE       0x13  UTF-8 JSON {"reason": ".."}: the server or its event pump stops; the server closes after it
 * </pre>
 * A v1 client treats any other kind as a protocol error. Events a client's queue could not take are never
 * skipped silently: the client is dropped instead, and told so if it still reads.
 */
public final class MonitorProtocol {
    /** "MBRM". */
    public static final int MAGIC = 0x4d42524d;

    public static final int V1 = 1;
    /** The versions this build serves, newest first. */
    public static final List<Integer> SUPPORTED = List.of(V1);

    public static final int MAX_FRAME = 1 << 20;
    public static final int MAX_HELLO = 64 * 1024;
    public static final int MAX_VERSIONS = 16;

    // handshake kinds
    public static final int HELLO = 0x01;
    public static final int WELCOME = 0x02;
    public static final int ERROR = 0x7f;
    // v1 kinds
    public static final int EVENT = 0x10;
    public static final int HEARTBEAT = 0x11;
    public static final int DROPPED = 0x12;
    public static final int BYE = 0x13;

    // ERROR codes
    public static final int ERR_UNSUPPORTED_VERSION = 1;
    public static final int ERR_BAD_HELLO = 2;
    public static final int ERR_BUSY = 3;
    public static final int ERR_SHUTTING_DOWN = 4;

    private MonitorProtocol() {}

    /** A decoded HELLO payload. */
    record Hello(List<Integer> versions, String options) {
        static Hello decode(ByteBuffer p) {
            if (p.remaining() < 1) {
                throw new IllegalArgumentException("HELLO without a version count");
            }
            int n = p.get() & 0xff;
            if (n < 1 || n > MAX_VERSIONS) {
                throw new IllegalArgumentException("HELLO offers " + n + " versions; 1.." + MAX_VERSIONS + " allowed");
            }
            if (p.remaining() < 2 * n) {
                throw new IllegalArgumentException("HELLO cut short in its version list");
            }
            List<Integer> versions = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                versions.add(p.getShort() & 0xffff);
            }
            return new Hello(List.copyOf(versions), utf8(p));
        }

        byte[] encode() {
            byte[] opts = options.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(1 + 2 * versions.size() + opts.length);
            b.put((byte) versions.size());
            versions.forEach(v -> b.putShort((short) (int) v));
            return b.put(opts).array();
        }
    }

    /** A decoded ERROR payload. */
    record Error(int code, List<Integer> supported, String message) {
        static Error decode(ByteBuffer p) {
            if (p.remaining() < 2) {
                throw new IllegalArgumentException("ERROR frame cut short");
            }
            int code = p.get() & 0xff;
            int n = p.get() & 0xff;
            if (p.remaining() < 2 * n) {
                throw new IllegalArgumentException("ERROR frame cut short in its version list");
            }
            List<Integer> versions = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                versions.add(p.getShort() & 0xffff);
            }
            return new Error(code, List.copyOf(versions), utf8(p));
        }

        byte[] encode() {
            byte[] msg = message.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(2 + 2 * supported.size() + msg.length);
            b.put((byte) code).put((byte) supported.size());
            supported.forEach(v -> b.putShort((short) (int) v));
            return b.put(msg).array();
        }
    }

    static String utf8(ByteBuffer p) {
        byte[] rest = new byte[p.remaining()];
        p.get(rest);
        return new String(rest, StandardCharsets.UTF_8);
    }

    static String kindName(int kind) {
        return switch (kind) {
            case HELLO -> "HELLO";
            case WELCOME -> "WELCOME";
            case ERROR -> "ERROR";
            case EVENT -> "EVENT";
            case HEARTBEAT -> "HEARTBEAT";
            case DROPPED -> "DROPPED";
            case BYE -> "BYE";
            default -> String.format("0x%02x", kind);
        };
    }
}
