package io.membrane.actors.endpoint;

import static io.membrane.actors.endpoint.EndpointState.DISCONNECTED;
import static io.membrane.actors.endpoint.EndpointState.DISCONNECTING;
import static io.membrane.actors.endpoint.EndpointState.INVALID;
import static io.membrane.actors.endpoint.EndpointState.READY;
import static io.membrane.actors.endpoint.EndpointState.REGENERATING;
import static io.membrane.actors.endpoint.EndpointState.RESTORING;
import static io.membrane.actors.endpoint.EndpointState.WAITING_FOR_IDENTITY;
import static io.membrane.actors.endpoint.EndpointState.WAITING_TO_REGENERATE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The lifecycle an endpoint follows and the log that records it. */
class EndpointLifecycleTest {
    private static final Instant T0 = Instant.parse("2026-12-03T12:00:00Z");

    @Test
    void theNamesAreCiliums() {
        assertEquals(
                List.of(
                        "restoring",
                        "waiting-for-identity",
                        "waiting-to-regenerate",
                        "regenerating",
                        "ready",
                        "disconnecting",
                        "disconnected",
                        "invalid"),
                EnumSet.allOf(EndpointState.class).stream()
                        .map(EndpointState::text)
                        .toList());
        for (EndpointState s : EndpointState.values()) {
            assertEquals(s, EndpointState.of(s.text()));
        }
        assertThrows(IllegalArgumentException.class, () -> EndpointState.of("not-ready"));
    }

    @Test
    void theCreatePathAndARegenerationAreAllowedAndTheEndIsTheEnd() {
        List<EndpointState> create = List.of(WAITING_FOR_IDENTITY, WAITING_TO_REGENERATE, REGENERATING, READY);
        for (int i = 1; i < create.size(); i++) {
            assertTrue(create.get(i - 1).mayMoveTo(create.get(i)), create.get(i - 1) + " -> " + create.get(i));
        }
        assertTrue(READY.mayMoveTo(WAITING_TO_REGENERATE), "a label change or a new policy");
        assertTrue(RESTORING.mayMoveTo(REGENERATING), "a restored endpoint with its identity");
        for (EndpointState s : EndpointState.values()) {
            if (!s.isTerminal() && s != DISCONNECTING) {
                assertTrue(s.mayMoveTo(DISCONNECTING), s + ": a delete is possible from every live state");
            }
        }
        assertEquals(EnumSet.of(DISCONNECTED), DISCONNECTING.next());
        assertTrue(DISCONNECTED.next().isEmpty());
        assertTrue(INVALID.next().isEmpty());
        assertFalse(WAITING_FOR_IDENTITY.mayMoveTo(REGENERATING), "no datapath before an identity is waited for");
    }

    @Test
    void randomWalksStayInsideTheRulesAndAlwaysEndInDisconnected() {
        Random random = new Random(12);
        for (int walk = 0; walk < 2_000; walk++) {
            List<EndpointState> starts = new ArrayList<>(EndpointState.initial());
            EndpointLog log = new EndpointLog(8, T0, starts.get(random.nextInt(starts.size())), "created");
            for (int step = 0; step < 20 && !log.state().isTerminal(); step++) {
                EndpointState from = log.state();
                EndpointState to = EndpointState.values()[random.nextInt(EndpointState.values().length)];
                if (from.mayMoveTo(to)) {
                    log.moveTo(T0.plusSeconds(step), to, "step " + step);
                    assertEquals(to, log.state());
                } else {
                    int before = log.entries().size();
                    assertThrows(IllegalStateException.class, () -> log.moveTo(T0, to, "refused"));
                    assertEquals(from, log.state(), "a refused move changes nothing");
                    assertEquals(before, log.entries().size());
                }
            }
            if (!log.state().isTerminal()) {
                if (log.state() != DISCONNECTING) {
                    log.moveTo(T0, DISCONNECTING, "deleted");
                }
                log.moveTo(T0, DISCONNECTED, "gone");
            }
            assertTrue(log.state().isTerminal());
        }
    }

    @Test
    void theLogKeepsTheNewestEntriesAndCountsWhatItDropped() {
        EndpointLog log = new EndpointLog(3, T0, WAITING_FOR_IDENTITY, "created");
        log.moveTo(T0.plusSeconds(1), WAITING_TO_REGENERATE, "identity 300");
        log.moveTo(T0.plusSeconds(2), REGENERATING, "compiling");
        log.moveTo(T0.plusSeconds(3), READY, "attached");
        assertEquals(
                List.of(
                        new EndpointLog.Entry(T0.plusSeconds(1), WAITING_TO_REGENERATE, "identity 300"),
                        new EndpointLog.Entry(T0.plusSeconds(2), REGENERATING, "compiling"),
                        new EndpointLog.Entry(T0.plusSeconds(3), READY, "attached")),
                log.entries());
        assertEquals(1, log.dropped());
        assertThrows(IllegalArgumentException.class, () -> new EndpointLog(3, T0, READY, "cannot start ready"));
        assertThrows(IllegalArgumentException.class, () -> new EndpointLog(0, T0, RESTORING, "no room"));
        EndpointLog restored = new EndpointLog(3, T0, RESTORING, "read back");
        assertThrows(IllegalStateException.class, () -> restored.moveTo(T0, READY, "skips the datapath"));
    }
}
