package io.membrane.actors.monitor;

import io.membrane.datapath.PerfEventReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A pump source for tests: samples, lost counts and failures pushed from any thread are delivered by the next
 * {@link #poll}, in order, on the pump thread. Use {@link #factory()} with {@link EventPump#start}.
 */
public final class FeedSource implements EventPump.Source {
    private sealed interface Item permits SampleItem, LostItem, FailItem {}

    private record SampleItem(int cpu, byte[] data) implements Item {}

    private record LostItem(int cpu, long count) implements Item {}

    private record FailItem(RuntimeException failure) implements Item {}

    private final LinkedBlockingQueue<Item> items = new LinkedBlockingQueue<>();
    private volatile PerfEventReader.Listener listener;
    private volatile boolean closed;

    public EventPump.SourceFactory factory() {
        return l -> {
            listener = l;
            return this;
        };
    }

    public void sample(int cpu, byte[] data) {
        items.add(new SampleItem(cpu, data));
    }

    public void lost(int cpu, long count) {
        items.add(new LostItem(cpu, count));
    }

    /** The next poll throws this, which stops the pump. */
    public void fail(RuntimeException failure) {
        items.add(new FailItem(failure));
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void poll(int timeoutMs) throws InterruptedException {
        Item first = items.poll(timeoutMs, TimeUnit.MILLISECONDS);
        if (first == null) {
            return;
        }
        List<Item> batch = new ArrayList<>();
        batch.add(first);
        items.drainTo(batch);
        for (Item i : batch) {
            if (i instanceof SampleItem s) {
                listener.onSample(s.cpu(), s.data());
            } else if (i instanceof LostItem l) {
                listener.onLost(l.cpu(), l.count());
            } else {
                throw ((FailItem) i).failure();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
