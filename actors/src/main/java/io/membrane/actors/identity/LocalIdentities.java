package io.membrane.actors.identity;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The node-local identities ({@code 1<<24 | n}) of the CIDRs this node's policy names: handed out here alone, never
 * replicated, since no other node needs to agree on them (a CIDR identity only stands between this node's policy
 * and its own ipcache entries). A label set holds one number while anything references it; the reference count
 * drops with {@link #release}, and a number whose count reached zero is free again. The next number is searched
 * forward from the last one given, so a number just released is not the next one handed out. Thread-safe.
 */
public final class LocalIdentities {
    /** How many numbers the local range holds: {@code n} runs from 1 to this. */
    public static final int CAPACITY = IdentityScope.MAX_LOCAL - IdentityScope.LOCAL_FLAG;

    private final int capacity;
    private final Map<LabelSet, Integer> byLabels = new HashMap<>();
    private final Map<Integer, Held> byId = new HashMap<>();
    /** The last {@code n} handed out (0: none yet). */
    private int last;

    private static final class Held {
        final LabelSet labels;
        int references;

        Held(LabelSet labels) {
            this.labels = labels;
        }
    }

    public LocalIdentities() {
        this(CAPACITY);
    }

    /** @param capacity how many numbers may be held at once (a test makes it small to see reuse) */
    LocalIdentities(int capacity) {
        if (capacity < 1 || capacity > CAPACITY) {
            throw new IllegalArgumentException("capacity " + capacity + " outside 1.." + CAPACITY);
        }
        this.capacity = capacity;
    }

    /**
     * The number of {@code labels}, with one more reference.
     *
     * @throws IdentityUnavailableException when every number of the range is held
     */
    public synchronized Identity acquire(LabelSet labels) {
        Integer id = byLabels.get(labels);
        if (id == null) {
            id = nextFree(labels);
            byLabels.put(labels, id);
            byId.put(id, new Held(labels));
        }
        byId.get(id).references++;
        return new Identity(id, labels);
    }

    /** Drops one reference; at zero the number is free. Unknown numbers are ignored (idempotent for a caller). */
    public synchronized void release(int id) {
        Held held = byId.get(id);
        if (held != null && --held.references == 0) {
            byId.remove(id);
            byLabels.remove(held.labels);
        }
    }

    public synchronized Optional<Identity> byId(int id) {
        Held held = byId.get(id);
        return held == null ? Optional.empty() : Optional.of(new Identity(id, held.labels));
    }

    public synchronized Optional<Identity> byLabels(LabelSet labels) {
        Integer id = byLabels.get(labels);
        return id == null ? Optional.empty() : Optional.of(new Identity(id, labels));
    }

    public synchronized int size() {
        return byId.size();
    }

    private int nextFree(LabelSet labels) {
        if (byId.size() >= capacity) {
            throw new IdentityUnavailableException(
                    "all " + capacity + " node-local identities are held; cannot give" + " one to " + labels);
        }
        int n = last;
        do {
            n = n % capacity + 1;
        } while (byId.containsKey(IdentityScope.LOCAL_FLAG | n));
        last = n;
        return IdentityScope.LOCAL_FLAG | n;
    }
}
