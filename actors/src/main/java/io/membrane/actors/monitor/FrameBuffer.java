package io.membrane.actors.monitor;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Frames written back to back into one growable array, so many small frames leave in one write. A frame is
 * begun (length and kind reserved), its payload streamed in (it is an OutputStream, so Jackson writes the event
 * JSON straight into it), and ended (length patched). Not thread-safe.
 */
final class FrameBuffer extends OutputStream {
    private byte[] buf;
    private int len;

    FrameBuffer(int initialCapacity) {
        buf = new byte[initialCapacity];
    }

    /** Starts a frame of {@code kind}; returns its start for {@link #end}. */
    int begin(int kind) {
        ensure(5);
        int start = len;
        len += 4;
        buf[len++] = (byte) kind;
        return start;
    }

    void end(int start) {
        int length = len - start - 4;
        buf[start] = (byte) (length >>> 24);
        buf[start + 1] = (byte) (length >>> 16);
        buf[start + 2] = (byte) (length >>> 8);
        buf[start + 3] = (byte) length;
    }

    /** Drops a frame begun at {@code start} (its payload failed to encode). */
    void abandon(int start) {
        len = start;
    }

    /** Appends a whole frame. */
    void frame(int kind, byte[] payload) {
        int start = begin(kind);
        write(payload, 0, payload.length);
        end(start);
    }

    void putLong(long v) {
        ensure(8);
        for (int i = 7; i >= 0; i--) {
            buf[len++] = (byte) (v >>> (8 * i));
        }
    }

    @Override
    public void write(int b) {
        ensure(1);
        buf[len++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    int size() {
        return len;
    }

    boolean isEmpty() {
        return len == 0;
    }

    /** The buffered bytes; valid until the next change. */
    ByteBuffer view() {
        return ByteBuffer.wrap(buf, 0, len);
    }

    void clear() {
        len = 0;
    }

    private void ensure(int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
    }
}
