package io.membrane.actors.monitor;

import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener of an {@link EventPump}: its own bounded queue and its own delivery thread, so a slow listener
 * never slows the pump or the others. The pump only offers to the queue; when the queue is full the listener is
 * dropped ({@link Cause#TOO_SLOW}), never waited for. Closing it unsubscribes.
 *
 * <p>The sink runs on the delivery thread, one call at a time. When the listener ends (closed, dropped, pump
 * stopped) the delivery thread is unparked, and for a drop also interrupted, so a sink blocked in I/O or a
 * wait can give up; events still queued are discarded, except when the pump stopped, where they are delivered
 * first. {@link Sink#ended} is the last call; {@link #whenEnded()} completes after it returned.
 */
public final class Subscription implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Subscription.class);
    /** Spins on an empty queue before parking: under load the next event is usually microseconds away. */
    private static final int SPINS = 20;
    /**
     * The pump wakes a parked listener at the end of each poll, or after this many events if sooner (fewer for
     * a small queue: a quarter of it).
     */
    private static final int WAKE_BATCH = 64;

    /** Where a listener's events go. Every method runs on the listener's delivery thread. */
    public interface Sink {
        /** The first call, before any event: the subscription this sink serves (so it can close it). */
        default void started(Subscription subscription) throws Exception {}

        /** One event. A throw ends the listener with {@link Cause#SINK_FAILED} (unless it already ended). */
        void accept(Event event) throws Exception;

        /** The queue ran empty after at least one {@link #accept}: a good moment to flush buffered output. */
        default void flush() throws Exception {}

        /** Nothing arrived for the subscriber's idle interval (a heartbeat hook). */
        default void idle() throws Exception {}

        /** The last call, with why the listener ended. Must not throw; exceptions are logged. */
        default void ended(Ended ended) {}

        static Sink of(Consumer<? super Event> consumer) {
            Objects.requireNonNull(consumer, "consumer");
            return consumer::accept;
        }
    }

    /**
     * What to subscribe.
     *
     * @param filter       runs on the pump thread for every event: keep it cheap; events it refuses never use
     *                     the queue
     * @param idleInterval {@link Sink#idle} after this long without events; zero for never
     */
    public record Subscriber(
            String name, int queueCapacity, Predicate<? super Event> filter, Duration idleInterval, Sink sink) {
        public Subscriber {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(filter, "filter");
            Objects.requireNonNull(idleInterval, "idleInterval");
            Objects.requireNonNull(sink, "sink");
            if (queueCapacity < 1) {
                throw new IllegalArgumentException("queue capacity must be >= 1, was " + queueCapacity);
            }
            if (idleInterval.isNegative()) {
                throw new IllegalArgumentException("idle interval must be >= 0, was " + idleInterval);
            }
        }

        public static Subscriber of(String name, int queueCapacity, Consumer<? super Event> consumer) {
            return new Subscriber(name, queueCapacity, e -> true, Duration.ZERO, Sink.of(consumer));
        }
    }

    /** Why a listener ended. */
    public enum Cause {
        /** Closed by its owner (or by its sink, e.g. when the peer went away). */
        UNSUBSCRIBED,
        /** Its queue was full when the pump had an event for it. */
        TOO_SLOW,
        /** Its sink threw. */
        SINK_FAILED,
        /** The pump was closed; queued events were delivered first. */
        PUMP_STOPPED,
        /** The pump's source failed; queued events were delivered first. */
        PUMP_FAILED;

        /** The listener was dropped by the pump rather than closed by its owner or by a stop. */
        public boolean dropped() {
            return this == TOO_SLOW || this == SINK_FAILED;
        }
    }

    /** Why a listener ended, in words for logs and the API. */
    public record Ended(Cause cause, String reason) {}

    private final EventPump pump;
    private final Subscriber spec;
    private final SpscQueue<Event> queue;
    private final AtomicReference<Ended> ended = new AtomicReference<>();
    private final CompletableFuture<Ended> done = new CompletableFuture<>();
    private final AtomicLong delivered = new AtomicLong();
    private final Thread thread;
    private volatile boolean waiting;
    /** Pump thread only: events offered since the listener was last woken. */
    private int unwoken;

    private final int wakeBatch;

    Subscription(EventPump pump, Subscriber spec, String threadName) {
        this.pump = pump;
        this.spec = spec;
        this.queue = new SpscQueue<>(spec.queueCapacity());
        this.wakeBatch = Math.max(1, Math.min(WAKE_BATCH, spec.queueCapacity() / 4));
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    public String name() {
        return spec.name();
    }

    public int queueCapacity() {
        return queue.capacity();
    }

    /** Events waiting in the queue now. */
    public int queued() {
        return queue.size();
    }

    /** Events the sink has accepted. */
    public long delivered() {
        return delivered.get();
    }

    public boolean isEnded() {
        return ended.get() != null;
    }

    /** Completes with why the listener ended, after its sink's last call returned. */
    public CompletableFuture<Ended> whenEnded() {
        return done;
    }

    /** Unsubscribes; idempotent. Returns at once: wait on {@link #whenEnded()} for the sink's last call. */
    @Override
    public void close() {
        pump.unsubscribe(this, new Ended(Cause.UNSUBSCRIBED, "closed by its owner"));
    }

    /** Closes with a reason of the caller's (e.g. "client closed the connection"). */
    public void close(String reason) {
        pump.unsubscribe(this, new Ended(Cause.UNSUBSCRIBED, reason));
    }

    // ---- the pump's side ----

    /**
     * Pump thread: false when the filter refused it or it was enqueued; true when the queue was full. A parked
     * listener is woken every {@code wakeBatch} events here, and by {@link #wake()} at the end of each poll:
     * one futex wake per batch, not per event.
     */
    boolean offerFull(Event e) {
        if (!spec.filter().test(e)) {
            return false;
        }
        if (!queue.offer(e)) {
            return true;
        }
        if (++unwoken >= wakeBatch) {
            VarHandle.fullFence(); // the tail store before the read of waiting (see SpscQueue)
            wake();
        }
        return false;
    }

    /** Pump thread, after a full fence: wakes the listener if it parked with events offered since. */
    void wake() {
        if (unwoken > 0) {
            unwoken = 0;
            if (waiting) {
                LockSupport.unpark(thread);
            }
        }
    }

    /** Marks it ended; true for the caller that did. The pump removes it from its list. */
    boolean end(Ended why) {
        if (!ended.compareAndSet(null, why)) {
            return false;
        }
        LockSupport.unpark(thread);
        if (why.cause().dropped() && Thread.currentThread() != thread) {
            thread.interrupt();
        }
        return true;
    }

    Ended endedWith() {
        return ended.get();
    }

    Thread thread() {
        return thread;
    }

    // ---- the delivery thread ----

    private void run() {
        Sink sink = spec.sink();
        long idleNanos = spec.idleInterval().toNanos();
        long lastActivity = System.nanoTime();
        boolean unflushed = false;
        try {
            sink.started(this);
            while (true) {
                Ended e = ended.get();
                if (e != null && !drainsOnEnd(e.cause())) {
                    break;
                }
                Event ev = queue.poll();
                if (ev != null) {
                    sink.accept(ev);
                    delivered.lazySet(delivered.get() + 1);
                    unflushed = true;
                    continue;
                }
                if (unflushed) {
                    sink.flush();
                    unflushed = false;
                    lastActivity = System.nanoTime();
                    continue;
                }
                if (e != null) {
                    break; // the pump stopped and everything it had queued is delivered
                }
                for (int i = 0; i < SPINS && queue.isEmpty() && ended.get() == null; i++) {
                    Thread.onSpinWait();
                }
                waiting = true;
                if (queue.isEmpty() && ended.get() == null) {
                    if (idleNanos == 0) {
                        LockSupport.park(this);
                    } else {
                        long now = System.nanoTime();
                        long left = lastActivity + idleNanos - now;
                        if (left <= 0) {
                            waiting = false;
                            sink.idle();
                            lastActivity = System.nanoTime();
                            continue;
                        }
                        LockSupport.parkNanos(this, left);
                    }
                }
                waiting = false;
            }
        } catch (Throwable ex) { // an Error from a sink too: the listener must still end and say so
            pump.sinkFailed(this, ex);
        } finally {
            waiting = false;
        }
        Thread.interrupted(); // a drop's interrupt must not disturb the sink's last call
        Ended why = ended.get();
        try {
            sink.ended(why);
        } catch (RuntimeException ex) {
            log.warn("monitor listener {}: its end handler failed", spec.name(), ex);
        }
        done.complete(why);
    }

    private static boolean drainsOnEnd(Cause cause) {
        return cause == Cause.PUMP_STOPPED || cause == Cause.PUMP_FAILED;
    }

    @Override
    public String toString() {
        return "Subscription[" + spec.name() + ", queue " + queue.size() + "/" + queue.capacity() + ", delivered "
                + delivered.get() + (isEnded() ? ", ended " + ended.get() : "") + "]";
    }
}
