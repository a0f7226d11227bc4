package io.membrane.actors.monitor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded single-producer single-consumer queue without locks: the event pump offers, one delivery thread
 * polls. {@link #offer} never blocks, never allocates and costs no fence (the tail is published with a release
 * store); it fails when {@code capacity} elements wait. A producer that must not miss a consumer about to park
 * (which writes a volatile flag, then re-reads the tail) issues one full fence before reading that flag.
 */
final class SpscQueue<E> {
    private final Object[] buffer;
    private final int mask;
    private final int capacity;
    /** Next index to read; written by the consumer only. */
    private final AtomicLong head = new AtomicLong();
    /** Next index to write; written by the producer only. */
    private final AtomicLong tail = new AtomicLong();
    /** The producer's last look at head, so a non-full queue costs it no read of the consumer's line. */
    private long headCache;
    /** The consumer's last look at tail. */
    private long tailCache;

    SpscQueue(int capacity) {
        if (capacity < 1 || capacity > (1 << 30)) {
            throw new IllegalArgumentException("queue capacity must be 1.." + (1 << 30) + ", was " + capacity);
        }
        this.capacity = capacity;
        int size = Integer.highestOneBit(capacity);
        if (size < capacity) {
            size <<= 1;
        }
        this.buffer = new Object[size];
        this.mask = size - 1;
    }

    int capacity() {
        return capacity;
    }

    /** Producer only. */
    boolean offer(E e) {
        long t = tail.getPlain();
        if (t - headCache >= capacity) {
            headCache = head.get();
            if (t - headCache >= capacity) {
                return false;
            }
        }
        buffer[(int) t & mask] = e;
        tail.setRelease(t + 1);
        return true;
    }

    /** Consumer only; null when empty. */
    @SuppressWarnings("unchecked")
    E poll() {
        long h = head.getPlain();
        if (h >= tailCache) {
            tailCache = tail.get();
            if (h >= tailCache) {
                return null;
            }
        }
        int i = (int) h & mask;
        E e = (E) buffer[i];
        buffer[i] = null;
        head.setRelease(h + 1);
        return e;
    }

    /** Exact for the consumer; a snapshot for anyone else. */
    boolean isEmpty() {
        return head.get() >= tail.get();
    }

    /** A snapshot. */
    int size() {
        long h = head.get();
        long t = tail.get();
        return (int) Math.max(0, Math.min(capacity, t - h));
    }
}
