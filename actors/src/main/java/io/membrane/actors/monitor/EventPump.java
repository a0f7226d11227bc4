package io.membrane.actors.monitor;

import io.membrane.actors.monitor.Subscription.Cause;
import io.membrane.actors.monitor.Subscription.Ended;
import io.membrane.actors.monitor.Subscription.Subscriber;
import io.membrane.datapath.PerfEventReader;
import io.membrane.datapath.structs.Notification;
import io.membrane.maps.PerfEventArrayMap;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event pump: one dedicated platform thread polls the perf buffer ({@code membrane_events}), decodes each
 * sample into a {@link Notification}, counts it, keeps it in a bounded ring of recent events, and offers it to
 * every listener's own bounded queue. Nothing on that path blocks, logs or takes a lock: a decode error is
 * counted, a listener whose queue is full is dropped (logged once, kept in {@link #droppedListeners()}), and
 * samples the kernel lost are counted per CPU and passed on as {@link Event.Lost}.
 *
 * <p>The samples come from a {@link Source}: {@link #startPerf} adapts libbpf's perf buffer
 * ({@link PerfEventReader}); tests feed byte arrays through their own source. The source is polled, and
 * closed, only on the pump thread. The pump stops on {@link #close()} or when the source fails; listeners
 * then get what was queued for them and end with {@link Cause#PUMP_STOPPED} or {@link Cause#PUMP_FAILED},
 * and {@link #terminated()} completes (exceptionally on failure, so a supervising actor can restart it).
 */
public final class EventPump implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventPump.class);
    private static final long LOST_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Subscription[] NONE = new Subscription[0];

    /** Where samples come from. Only the pump thread calls it. */
    public interface Source extends AutoCloseable {
        /**
         * Waits up to {@code timeoutMs} for samples and hands every ready one (and every lost count) to the
         * listener the source was opened with, on the calling thread. An exception stops the pump.
         */
        void poll(int timeoutMs) throws Exception;

        @Override
        default void close() throws Exception {}
    }

    /** Opens a source that delivers to the pump's listener; runs on the caller of {@link #start}. */
    @FunctionalInterface
    public interface SourceFactory {
        Source open(PerfEventReader.Listener listener) throws Exception;
    }

    /**
     * @param recentCapacity  how many events the recent ring keeps (events.recent)
     * @param pollTimeoutMs   one poll's wait; also how quickly {@link #close()} is noticed
     * @param droppedHistory  how many dropped listeners {@link #droppedListeners()} remembers
     * @param stopTimeout     how long {@link #close()} waits for each listener to drain before interrupting it
     */
    public record Options(
            int recentCapacity, int pollTimeoutMs, int droppedHistory, Duration stopTimeout, String threadName) {
        public static final Options DEFAULT = new Options(1000, 100, 64, Duration.ofSeconds(2), "membrane-event-pump");

        public Options {
            if (recentCapacity < 1) {
                throw new IllegalArgumentException("recent capacity must be >= 1, was " + recentCapacity);
            }
            if (pollTimeoutMs < 1) {
                throw new IllegalArgumentException("poll timeout must be >= 1 ms, was " + pollTimeoutMs);
            }
            if (droppedHistory < 0) {
                throw new IllegalArgumentException("dropped history must be >= 0, was " + droppedHistory);
            }
            Objects.requireNonNull(stopTimeout, "stopTimeout");
            Objects.requireNonNull(threadName, "threadName");
        }

        public Options withRecentCapacity(int n) {
            return new Options(n, pollTimeoutMs, droppedHistory, stopTimeout, threadName);
        }

        public Options withThreadName(String name) {
            return new Options(recentCapacity, pollTimeoutMs, droppedHistory, stopTimeout, name);
        }
    }

    /** A listener the pump dropped (too slow, or its sink failed). */
    public record DroppedListener(String name, Cause cause, String reason, Instant at, long delivered) {}

    /** A live listener. */
    public record ListenerStatus(String name, int queued, int queueCapacity, long delivered) {}

    /**
     * A snapshot of the counters.
     *
     * @param samples          samples read from the source (decoded or not)
     * @param decodeErrors     samples that did not decode (too short for their type)
     * @param lost             samples the kernel lost, all CPUs; {@code lostPerCpu} by CPU, in CPU order
     * @param published        events published to ring and listeners (decoded samples plus lost records)
     * @param listenersDropped listeners dropped since start; {@code droppedListeners} the latest of them
     */
    public record Counters(
            long samples,
            long drops,
            long policyVerdicts,
            long unknown,
            long decodeErrors,
            long lost,
            Map<Integer, Long> lostPerCpu,
            long published,
            List<ListenerStatus> listeners,
            long listenersDropped,
            List<DroppedListener> droppedListeners) {}

    private final Options options;
    private final Source source;
    private final Thread thread;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile boolean running = true;
    /** The listeners the pump ended when it stopped; set by the pump thread before it ends. */
    private volatile List<Subscription> stoppedListeners = List.of();

    // Written by the pump thread only; read by anyone.
    private final AtomicLong samples = new AtomicLong();
    private final AtomicLong drops = new AtomicLong();
    private final AtomicLong verdicts = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();
    private final AtomicLong decodeErrors = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong seq = new AtomicLong();
    private final Map<Integer, AtomicLong> lostPerCpu = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<Event> recent;
    private volatile String lastDecodeError;
    private long lostLoggedAt;
    private long lostSinceLog;

    private final Object listenersLock = new Object();
    private volatile Subscription[] listeners = NONE;
    private boolean stopped; // guarded by listenersLock: no subscription is added after the pump stopped
    private final ArrayDeque<DroppedListener> dropped = new ArrayDeque<>(); // guarded by listenersLock
    private long droppedTotal; // guarded by listenersLock
    private long listenerIds; // guarded by listenersLock

    private EventPump(SourceFactory factory, Options options) throws Exception {
        this.options = options;
        this.recent = new AtomicReferenceArray<>(options.recentCapacity());
        this.source = factory.open(new PerfEventReader.Listener() {
            @Override
            public void onSample(int cpu, byte[] data) {
                sample(cpu, data);
            }

            @Override
            public void onLost(int cpu, long count) {
                lostSamples(cpu, count);
            }
        });
        this.thread = new Thread(this::loop, options.threadName());
        this.thread.setDaemon(true);
    }

    /** Opens the source on the calling thread (so its failure is thrown here) and starts the pump thread. */
    public static EventPump start(SourceFactory factory, Options options) throws Exception {
        EventPump pump = new EventPump(factory, options);
        pump.thread.start();
        return pump;
    }

    /** The agent's pump: libbpf's perf buffer on the events map, {@code pagesPerCpu} pages per CPU ring. */
    public static EventPump startPerf(PerfEventArrayMap events, int pagesPerCpu, Options options) {
        try {
            return start(perfSource(events, pagesPerCpu), options);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("open perf buffer on " + events.name(), e);
        }
    }

    /** Adapts {@link PerfEventReader} to {@link Source}. */
    public static SourceFactory perfSource(PerfEventArrayMap events, int pagesPerCpu) {
        return listener -> {
            PerfEventReader reader = new PerfEventReader(events, pagesPerCpu, listener);
            return new Source() {
                @Override
                public void poll(int timeoutMs) {
                    reader.poll(timeoutMs);
                }

                @Override
                public void close() {
                    reader.close();
                }
            };
        };
    }

    // ---- the pump thread ----

    private void loop() {
        Throwable failure = null;
        try {
            while (running) {
                source.poll(options.pollTimeoutMs());
                Subscription[] ls = listeners;
                if (ls.length > 0) {
                    VarHandle.fullFence(); // the queues' tail stores before the reads of their waiting flags
                    for (Subscription l : ls) {
                        l.wake();
                    }
                }
            }
        } catch (Exception | LinkageError e) {
            failure = e;
            log.error("event pump stopped: its source failed", e);
        }
        try {
            source.close();
        } catch (Exception e) {
            log.warn("event pump: closing its source failed", e);
        }
        Cause cause = failure == null ? Cause.PUMP_STOPPED : Cause.PUMP_FAILED;
        String reason = failure == null ? "the event pump stopped" : "the event pump failed: " + describe(failure);
        Subscription[] last;
        synchronized (listenersLock) {
            stopped = true;
            last = listeners;
            listeners = NONE;
        }
        stoppedListeners = List.of(last);
        for (Subscription s : last) {
            s.end(new Ended(cause, reason));
        }
        if (failure == null) {
            terminated.complete(null);
        } else {
            terminated.completeExceptionally(failure);
        }
    }

    private void sample(int cpu, byte[] data) {
        samples.lazySet(samples.getPlain() + 1);
        Notification n;
        try {
            n = Notification.decode(data);
        } catch (RuntimeException e) {
            decodeErrors.lazySet(decodeErrors.getPlain() + 1);
            lastDecodeError = e.getMessage();
            return;
        }
        AtomicLong byType =
                n instanceof Notification.Drop ? drops : n instanceof Notification.PolicyVerdict ? verdicts : unknown;
        byType.lazySet(byType.getPlain() + 1);
        publish(new Event.Sample(seq.getPlain() + 1, Instant.now(), cpu, n));
    }

    private void lostSamples(int cpu, long count) {
        lost.lazySet(lost.getPlain() + count);
        lostPerCpu.computeIfAbsent(cpu, c -> new AtomicLong()).addAndGet(count);
        lostSinceLog += count;
        long now = System.nanoTime();
        if (lostLoggedAt == 0 || now - lostLoggedAt >= LOST_LOG_INTERVAL_NANOS) {
            log.warn(
                    "event pump: the kernel lost {} samples (latest on CPU {}); {} lost since start",
                    lostSinceLog,
                    cpu,
                    lost.getPlain());
            lostLoggedAt = now;
            lostSinceLog = 0;
        }
        publish(new Event.Lost(seq.getPlain() + 1, Instant.now(), cpu, count));
    }

    private void publish(Event e) {
        long s = e.seq();
        recent.lazySet((int) (s % recent.length()), e);
        seq.lazySet(s); // after the ring slot: a reader that sees seq s finds event s (or a newer one) in its slot
        for (Subscription l : listeners) {
            if (l.offerFull(e)) {
                tooSlow(l);
            }
        }
    }

    private void tooSlow(Subscription l) {
        Ended why = new Ended(
                Cause.TOO_SLOW,
                "queue full (" + l.queueCapacity()
                        + " events waiting): the listener did not keep up with the pump; " + l.delivered()
                        + " events delivered");
        drop(l, why);
    }

    // ---- listeners ----

    /** Subscribes a consumer with a queue of {@code queueCapacity} events; it receives every event. */
    public Subscription subscribe(String name, int queueCapacity, Consumer<? super Event> sink) {
        return subscribe(Subscriber.of(name, queueCapacity, sink));
    }

    /**
     * Subscribes a listener; events from now on are offered to it.
     *
     * @throws IllegalStateException when the pump has stopped
     */
    public Subscription subscribe(Subscriber subscriber) {
        Subscription s;
        synchronized (listenersLock) {
            if (stopped) {
                throw new IllegalStateException("the event pump has stopped");
            }
            s = new Subscription(
                    this, subscriber, options.threadName() + "-listener-" + (++listenerIds) + "-" + subscriber.name());
            Subscription[] next = Arrays.copyOf(listeners, listeners.length + 1);
            next[next.length - 1] = s;
            listeners = next;
            // Started once it is listed: whatever its sink does first (a monitor client's WELCOME) happens after
            // the pump offers it events, so none published after that is missed; earlier ones wait in its queue.
            s.start();
        }
        log.debug("event pump: listener {} subscribed (queue {})", subscriber.name(), subscriber.queueCapacity());
        return s;
    }

    void unsubscribe(Subscription s, Ended why) {
        if (s.end(why)) {
            remove(s);
            log.debug("event pump: listener {} unsubscribed: {}", s.name(), why.reason());
        }
    }

    void sinkFailed(Subscription s, Throwable t) {
        drop(s, new Ended(Cause.SINK_FAILED, "its sink failed: " + describe(t)));
    }

    private void drop(Subscription s, Ended why) {
        if (!s.end(why)) {
            return;
        }
        remove(s);
        synchronized (listenersLock) {
            droppedTotal++;
            if (options.droppedHistory() > 0) {
                if (dropped.size() == options.droppedHistory()) {
                    dropped.removeFirst();
                }
                dropped.addLast(new DroppedListener(s.name(), why.cause(), why.reason(), Instant.now(), s.delivered()));
            }
        }
        log.warn("event pump: listener {} dropped: {}", s.name(), why.reason());
    }

    private void remove(Subscription s) {
        synchronized (listenersLock) {
            Subscription[] cur = listeners;
            for (int i = 0; i < cur.length; i++) {
                if (cur[i] == s) {
                    Subscription[] next = new Subscription[cur.length - 1];
                    System.arraycopy(cur, 0, next, 0, i);
                    System.arraycopy(cur, i + 1, next, i, cur.length - i - 1);
                    listeners = next;
                    return;
                }
            }
        }
    }

    /** The live listeners. */
    public List<ListenerStatus> listeners() {
        List<ListenerStatus> out = new ArrayList<>();
        for (Subscription s : listeners) {
            out.add(new ListenerStatus(s.name(), s.queued(), s.queueCapacity(), s.delivered()));
        }
        return Collections.unmodifiableList(out);
    }

    /** The latest dropped listeners, oldest first (at most {@link Options#droppedHistory()}). */
    public List<DroppedListener> droppedListeners() {
        synchronized (listenersLock) {
            return List.copyOf(dropped);
        }
    }

    // ---- reading ----

    /** The newest {@code n} events still in the ring, oldest first. */
    public List<Event> recent(int n) {
        return recent(n, e -> true);
    }

    /** The newest {@code n} events in the ring that match {@code filter}, oldest first. */
    public List<Event> recent(int n, Predicate<? super Event> filter) {
        if (n <= 0) {
            return List.of();
        }
        long last = seq.get();
        int cap = recent.length();
        ArrayList<Event> out = new ArrayList<>(Math.min(n, cap));
        for (long s = last; s >= 1 && s > last - cap && out.size() < n; s--) {
            Event e = recent.get((int) (s % cap));
            if (e == null || e.seq() != s) {
                break; // overwritten by a newer event while we read: everything older is gone too
            }
            if (filter.test(e)) {
                out.add(e);
            }
        }
        Collections.reverse(out);
        return Collections.unmodifiableList(out);
    }

    /** The sequence number of the newest published event (0 before the first). */
    public long lastSeq() {
        return seq.get();
    }

    public Counters counters() {
        Map<Integer, Long> perCpu = new TreeMap<>();
        lostPerCpu.forEach((cpu, n) -> perCpu.put(cpu, n.get()));
        List<DroppedListener> d;
        long dTotal;
        synchronized (listenersLock) {
            d = List.copyOf(dropped);
            dTotal = droppedTotal;
        }
        return new Counters(
                samples.get(),
                drops.get(),
                verdicts.get(),
                unknown.get(),
                decodeErrors.get(),
                lost.get(),
                Collections.unmodifiableMap(perCpu),
                seq.get(),
                listeners(),
                dTotal,
                d);
    }

    /** The message of the latest decode error, if any. */
    public String lastDecodeError() {
        return lastDecodeError;
    }

    public Options options() {
        return options;
    }

    public boolean isRunning() {
        return !terminated.isDone();
    }

    /** Completes when the pump thread ended: normally after {@link #close()}, exceptionally if the source failed. */
    public CompletableFuture<Void> terminated() {
        return terminated;
    }

    /**
     * Stops the pump thread (within about one poll timeout), closes the source, lets each listener deliver what
     * was queued for it (up to {@link Options#stopTimeout()}, then interrupts it) and waits for them to end.
     */
    @Override
    public void close() {
        running = false;
        if (Thread.currentThread() == thread) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        long deadline = System.nanoTime() + options.stopTimeout().toNanos();
        for (Subscription s : stoppedListeners) {
            if (s.thread() == Thread.currentThread()) {
                continue; // a sink closed the pump: it cannot wait for itself
            }
            try {
                s.whenEnded().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                log.warn(
                        "event pump: listener {} did not finish within {}; interrupting it",
                        s.name(),
                        options.stopTimeout());
                s.thread().interrupt();
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                throw new IllegalStateException("never completes exceptionally", e);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
