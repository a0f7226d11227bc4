package io.membrane.actors.monitor;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.monitor.Subscription.Cause;
import io.membrane.actors.monitor.Subscription.Ended;
import io.membrane.actors.monitor.Subscription.Subscriber;
import io.membrane.datapath.structs.DropReason;
import io.membrane.datapath.structs.Notification;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pump without the kernel: samples pushed through {@link FeedSource}. */
class EventPumpTest {
    private final FeedSource feed = new FeedSource();
    private EventPump pump;

    private EventPump start(int recent) throws Exception {
        pump = EventPump.start(
                feed.factory(),
                EventPump.Options.DEFAULT.withRecentCapacity(recent).withThreadName("test-pump"));
        return pump;
    }

    @AfterEach
    void tearDown() {
        if (pump != null) {
            pump.close();
        }
    }

    private void push(int n) {
        for (int i = 0; i < n; i++) {
            feed.sample(i % 4, Samples.prefilterDrop("10.77.0." + (i % 250 + 1), "10.77.0.254", 5));
        }
    }

    private static Ended ended(Subscription s) throws Exception {
        return s.whenEnded().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSlowListenerIsDroppedWhileTheFastOneGetsEverything() throws Exception {
        start(1000);
        List<Event> fast = new CopyOnWriteArrayList<>();
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger slowGot = new AtomicInteger();
        Subscription f = pump.subscribe("fast", 10_000, fast::add);
        Subscription slow = pump.subscribe("slow", 8, e -> {
            slowGot.incrementAndGet();
            try {
                never.await(); // stuck: the pump must not wait for it
            } catch (InterruptedException x) {
                throw new IllegalStateException("interrupted", x);
            }
        });

        push(1);
        await("the slow sink stuck in its first event").until(slowGot::get, n -> n == 1);
        push(199);
        await("200 to the fast listener").until(fast::size, n -> n == 200);
        Ended why = ended(slow);
        assertEquals(Cause.TOO_SLOW, why.cause());
        assertTrue(why.reason().contains("queue full (8 events waiting)"), why.reason());
        assertEquals(1, slowGot.get(), "the slow sink was stuck in its first event");

        List<EventPump.DroppedListener> dropped = pump.droppedListeners();
        assertEquals(1, dropped.size());
        assertEquals("slow", dropped.get(0).name());
        assertEquals(Cause.TOO_SLOW, dropped.get(0).cause());
        assertEquals(why.reason(), dropped.get(0).reason());

        push(100); // the pump keeps going
        await("300 to the fast listener").until(fast::size, n -> n == 300);
        for (int i = 0; i < 300; i++) {
            assertEquals(i + 1, fast.get(i).seq(), "in order, without gaps");
        }
        EventPump.Counters c = pump.counters();
        assertEquals(300, c.samples());
        assertEquals(300, c.drops());
        assertEquals(300, c.published());
        assertEquals(1, c.listeners().size());
        assertEquals("fast", c.listeners().get(0).name());
        assertEquals(1, c.listenersDropped());
        assertFalse(f.isEnded());
    }

    @Test
    void theRecentRingKeepsTheNewest() throws Exception {
        start(10);
        push(25);
        await("25 events").until(pump::lastSeq, seq -> seq == 25);
        List<Event> all = pump.recent(100);
        assertEquals(10, all.size());
        assertEquals(16, all.get(0).seq());
        assertEquals(25, all.get(9).seq());
        assertEquals(
                List.of(23L, 24L, 25L), pump.recent(3).stream().map(Event::seq).toList());
        assertEquals(List.of(), pump.recent(0));
        List<Event> evenOnes = pump.recent(3, e -> e.seq() % 2 == 0);
        assertEquals(List.of(20L, 22L, 24L), evenOnes.stream().map(Event::seq).toList());
    }

    @Test
    void decodeErrorsAreCountedAndNeverStopThePump() throws Exception {
        start(100);
        List<Event> got = new CopyOnWriteArrayList<>();
        pump.subscribe("all", 100, got::add);
        feed.sample(0, Samples.truncatedDrop());
        feed.sample(0, new byte[3]);
        feed.sample(1, Samples.unknown(9, 0, 16));
        push(1);
        await("2 events").until(got::size, n -> n == 2);
        EventPump.Counters c = pump.counters();
        assertEquals(4, c.samples());
        assertEquals(2, c.decodeErrors());
        assertEquals(1, c.unknown());
        assertEquals(1, c.drops());
        assertEquals(0, c.policyVerdicts());
        assertEquals(2, c.published());
        assertNotNull(pump.lastDecodeError());
        assertTrue(pump.isRunning());
        assertInstanceOf(Notification.Unknown.class, ((Event.Sample) got.get(0)).notification());
        assertEquals(DropReason.PREFILTER, ((Notification.Drop) ((Event.Sample) got.get(1)).notification()).reason());
    }

    @Test
    void lostSamplesAreCountedPerCpuAndDelivered() throws Exception {
        start(100);
        List<Event> got = new CopyOnWriteArrayList<>();
        pump.subscribe("all", 100, got::add);
        feed.lost(1, 5);
        push(1);
        feed.lost(3, 2);
        feed.lost(1, 1);
        await("4 events").until(got::size, n -> n == 4);
        EventPump.Counters c = pump.counters();
        assertEquals(8, c.lost());
        assertEquals(Map.of(1, 6L, 3, 2L), c.lostPerCpu());
        Event.Lost first = assertInstanceOf(Event.Lost.class, got.get(0));
        assertEquals(1, first.cpu());
        assertEquals(5, first.count());
        assertEquals(4, pump.recent(10).size());
        assertEquals("CPU 03: Lost 2 events", EventFormat.line(got.get(2)));
    }

    @Test
    void aFailingSinkIsDroppedWithItsReason() throws Exception {
        start(100);
        Subscription s = pump.subscribe("broken", 100, e -> {
            throw new IllegalStateException("disk full");
        });
        push(3);
        Ended why = ended(s);
        assertEquals(Cause.SINK_FAILED, why.cause());
        assertTrue(why.reason().contains("disk full"), why.reason());
        assertEquals(1, pump.counters().listenersDropped());
        assertEquals(0, pump.listeners().size());
    }

    @Test
    void anUnsubscribedListenerEndsAndIsNotCountedAsDropped() throws Exception {
        start(100);
        List<Event> got = new CopyOnWriteArrayList<>();
        Subscription s = pump.subscribe("brief", 100, got::add);
        push(2);
        await("2 events").until(got::size, n -> n == 2);
        s.close();
        assertEquals(Cause.UNSUBSCRIBED, ended(s).cause());
        push(2);
        await("4 published").until(pump::lastSeq, seq -> seq == 4);
        assertEquals(2, got.size());
        assertEquals(0, pump.droppedListeners().size());
        assertEquals(0, pump.listeners().size());
        s.close(); // idempotent
    }

    @Test
    void theFilterRunsBeforeTheQueue() throws Exception {
        start(100);
        List<Event> got = new CopyOnWriteArrayList<>();
        int verdictBit = 1 << EventFormat.typeIndex(EventFormat.POLICY_VERDICT);
        // A queue of one would overflow at once if the drops reached it.
        pump.subscribe(new Subscriber(
                "verdicts",
                1,
                e -> (EventFormat.typeBit(e) & verdictBit) != 0,
                Duration.ZERO,
                Subscription.Sink.of(got::add)));
        push(50);
        feed.sample(0, Samples.verdict(12, 1002, 1001, 0, 7, 2, "10.78.0.11", "10.78.0.12", 1, 80, 6, 1));
        await("the verdict").until(got::size, n -> n == 1);
        assertEquals(51, got.get(0).seq());
        assertEquals(0, pump.droppedListeners().size());
    }

    @Test
    void idleIsCalledWhenNothingArrives() throws Exception {
        start(100);
        AtomicInteger idles = new AtomicInteger();
        pump.subscribe(new Subscriber("hb", 10, e -> true, Duration.ofMillis(20), new Subscription.Sink() {
            @Override
            public void accept(Event event) {}

            @Override
            public void idle() {
                idles.incrementAndGet();
            }
        }));
        await("3 idle calls").until(idles::get, n -> n >= 3);
    }

    @Test
    void closeDeliversWhatWasQueuedThenEndsListeners() throws Exception {
        start(100);
        List<Event> got = new CopyOnWriteArrayList<>();
        CountDownLatch gate = new CountDownLatch(1);
        Subscription s = pump.subscribe("gated", 100, e -> {
            try {
                gate.await();
            } catch (InterruptedException x) {
                throw new IllegalStateException(x);
            }
            got.add(e);
        });
        push(50);
        await("50 published").until(pump::lastSeq, seq -> seq == 50);
        Thread opener = new Thread(() -> {
            await("pump stopped").until(() -> !pump.isRunning());
            gate.countDown();
        });
        opener.start();
        pump.close();
        assertEquals(Cause.PUMP_STOPPED, ended(s).cause());
        assertEquals(50, got.size(), "queued events were delivered before the end");
        assertTrue(feed.isClosed());
        assertTrue(pump.terminated().isDone());
        assertThrows(IllegalStateException.class, () -> pump.subscribe("late", 1, e -> {}));
        opener.join();
    }

    @Test
    void aFailingSourceStopsThePumpAndEndsListeners() throws Exception {
        start(100);
        Subscription s = pump.subscribe("l", 100, e -> {});
        feed.fail(new IllegalStateException("perf buffer gone"));
        Ended why = ended(s);
        assertEquals(Cause.PUMP_FAILED, why.cause());
        assertTrue(why.reason().contains("perf buffer gone"), why.reason());
        ExecutionException x =
                assertThrows(ExecutionException.class, () -> pump.terminated().get(5, TimeUnit.SECONDS));
        assertTrue(x.getCause().getMessage().contains("perf buffer gone"));
        assertFalse(pump.isRunning());
        assertTrue(feed.isClosed());
    }
}
