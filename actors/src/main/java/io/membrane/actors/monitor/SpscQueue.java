package io.membrane.actors.monitor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded single-producer single-consumer queue without locks: the event pump offers, one delivery thread
 * polls. {@link #offer} never blocks and never allocates; it fails when {@code capacity} elements wait. The
 * tail is published with a volatile store so that a consumer which announced it is about to park (a volatile
 * write it then re-checks against the tail) is never missed by the producer.
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
        tail.set(t + 1);
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
