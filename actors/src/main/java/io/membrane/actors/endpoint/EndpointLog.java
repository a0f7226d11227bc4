package io.membrane.actors.endpoint;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * What happened to one endpoint, newest last, as {@code GET /v1/endpoint/{id}/log} shows it: every state change with
 * its time and why, bounded so that an endpoint that flaps for a week keeps its last {@code capacity} entries and not
 * its whole history. A move the lifecycle does not allow is refused, not logged: the log never shows an endpoint
 * jumping from disconnected back to ready.
 */
public final class EndpointLog {
    /** One change: when, the state it led to, and the reason in a few words. */
    public record Entry(Instant at, EndpointState state, String message) {}

    private final int capacity;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private EndpointState state;
    /** Entries dropped because the log was full, so a reader knows the history is cut. */
    private long dropped;

    /** A log whose first entry is the endpoint's initial state. */
    public EndpointLog(int capacity, Instant at, EndpointState initial, String message) {
        if (capacity < 1) {
            throw new IllegalArgumentException("an endpoint log holds at least one entry, not " + capacity);
        }
        if (!EndpointState.initial().contains(initial)) {
            throw new IllegalArgumentException("an endpoint cannot start in " + initial.text());
        }
        this.capacity = capacity;
        this.state = initial;
        append(new Entry(at, initial, message));
    }

    public EndpointState state() {
        return state;
    }

    /**
     * Moves to {@code to}, logged with {@code message}.
     *
     * @throws IllegalStateException if the lifecycle does not allow the move (the log is unchanged)
     */
    public void moveTo(Instant at, EndpointState to, String message) {
        if (!state.mayMoveTo(to)) {
            throw new IllegalStateException("an endpoint cannot go from " + state.text() + " to " + to.text());
        }
        state = to;
        append(new Entry(at, to, message));
    }

    /** The entries, oldest first. */
    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    public long dropped() {
        return dropped;
    }

    private void append(Entry e) {
        if (entries.size() == capacity) {
            entries.removeFirst();
            dropped++;
        }
        entries.addLast(e);
    }
}
