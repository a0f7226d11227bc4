package io.membrane.actors.monitor;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * A connected socket used in non-blocking mode behind its own selector, so every read and write has a
 * deadline (Unix domain socket channels have no socket timeouts) and a write can be cut short from outside by
 * closing the channel. One thread at a time reads, one at a time writes.
 */
final class FrameChannel implements Closeable {
    /** A frame as read: its kind and its payload (positioned at 0). */
    record Frame(int kind, ByteBuffer payload) {}

    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final ByteBuffer header = ByteBuffer.allocate(5);

    FrameChannel(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        this.selector = Selector.open();
        this.key = channel.register(selector, 0);
    }

    SocketChannel channel() {
        return channel;
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    /**
     * Writes all of {@code src} by {@code deadline} (System.nanoTime). If the thread is interrupted meanwhile,
     * the interrupt is consumed and the deadline shortened to {@code graceNanos} from then: the write in
     * progress may still finish, so frames stay whole.
     *
     * @throws SocketTimeoutException when the peer did not take the bytes in time
     */
    void write(ByteBuffer src, long deadline, long graceNanos) throws IOException {
        while (src.hasRemaining()) {
            channel.write(src);
            if (!src.hasRemaining()) {
                return;
            }
            if (Thread.interrupted()) {
                deadline = Math.min(deadline, System.nanoTime() + graceNanos);
            }
            await(SelectionKey.OP_WRITE, deadline, "write", src.remaining());
        }
    }

    /** Reads exactly {@code dst.remaining()} bytes by {@code deadline}; EOFException if the peer closed first. */
    void readFully(ByteBuffer dst, long deadline) throws IOException {
        while (dst.hasRemaining()) {
            int n = channel.read(dst);
            if (n < 0) {
                throw new EOFException("connection closed with " + dst.remaining() + " bytes of a frame unread");
            }
            if (n > 0 || !dst.hasRemaining()) {
                continue;
            }
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading");
            }
            await(SelectionKey.OP_READ, deadline, "read", dst.remaining());
        }
    }

    /** Reads the 4-byte magic. */
    int readMagic(long deadline) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4);
        readFully(b, deadline);
        return b.getInt(0);
    }

    /**
     * Reads one frame by {@code deadline}.
     *
     * @throws EOFException at a clean end between frames too (with a message saying so)
     */
    Frame readFrame(long deadline, int maxLength) throws IOException {
        header.clear();
        readFully(header, deadline);
        int length = header.getInt(0);
        int kind = header.get(4) & 0xff;
        if (length < 1 || length > maxLength) {
            throw new ProtocolViolation(
                    "frame length " + Integer.toUnsignedString(length) + " is outside 1.." + maxLength);
        }
        ByteBuffer payload = ByteBuffer.allocate(length - 1);
        readFully(payload, deadline);
        payload.flip();
        return new Frame(kind, payload);
    }

    /** Reads what is there without waiting: -1 when the peer closed, else the bytes read (discarded). */
    int poll() throws IOException {
        ByteBuffer sink = ByteBuffer.allocate(512);
        int total = 0;
        while (true) {
            int n = channel.read(sink);
            if (n < 0) {
                return -1;
            }
            if (n == 0) {
                return total;
            }
            total += n;
            sink.clear();
        }
    }

    private void await(int op, long deadline, String what, int remaining) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException(what + " timed out with " + remaining + " bytes left");
        }
        try {
            key.interestOps(op);
            try {
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } finally {
                if (key.isValid()) {
                    key.interestOps(0);
                }
            }
            selector.selectedKeys().clear();
        } catch (ClosedSelectorException | CancelledKeyException e) {
            throw new ClosedChannelException(); // closed by another thread
        }
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
    }

    /** Closes the socket; a thread blocked in a read or write on it fails at once. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }

    /** The peer broke the protocol. */
    static final class ProtocolViolation extends IOException {
        ProtocolViolation(String message) {
            super(message);
        }
    }
}
