package io.membrane.actors.endpoint;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The endpoints' states for {@code /metrics} and {@code GET /v1/status}: how many endpoints are in each state now,
 * and how many times any endpoint entered each. Written by the Endpoint actors, read by the API's threads.
 */
public final class EndpointCounts {
    private final Map<Integer, EndpointState> current = new ConcurrentHashMap<>();
    private final Map<EndpointState, LongAdder> entered = new EnumMap<>(EndpointState.class);

    public EndpointCounts() {
        for (EndpointState s : EndpointState.values()) {
            entered.put(s, new LongAdder());
        }
    }

    /** Endpoint {@code id} entered {@code state}; a terminal state takes it out of the current counts. */
    public void entered(int id, EndpointState state) {
        entered.get(state).increment();
        if (state.isTerminal()) {
            current.remove(id);
        } else {
            current.put(id, state);
        }
    }

    /** Endpoints now in each state (every state present, zero included). */
    public Map<EndpointState, Integer> byState() {
        Map<EndpointState, Integer> out = new EnumMap<>(EndpointState.class);
        for (EndpointState s : EndpointState.values()) {
            out.put(s, 0);
        }
        current.values().forEach(s -> out.merge(s, 1, Integer::sum));
        return out;
    }

    /** How many times any endpoint entered each state since the agent started. */
    public Map<EndpointState, Long> transitions() {
        Map<EndpointState, Long> out = new EnumMap<>(EndpointState.class);
        entered.forEach((s, n) -> out.put(s, n.sum()));
        return out;
    }
}
