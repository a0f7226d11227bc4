package io.membrane.actors.endpoint;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * An endpoint's lifecycle, with Cilium's state names and its rule of which state may follow which
 * ({@code pkg/endpoint/endpoint.go}, {@code setState}, plus the moves its builder makes: waiting-to-regenerate and
 * restoring to regenerating, regenerating to ready): an operator who knows {@code cilium-dbg endpoint list} reads
 * ours the same way. Two moves are ours: an identity that arrives goes to waiting-to-regenerate (Cilium passes
 * through ready first, then regenerates), and a restored endpoint whose state cannot be used becomes invalid.
 * Disconnecting is reachable from every live state; disconnected and invalid are the end.
 */
public enum EndpointState {
    /** The endpoint existed before this agent started: read back from the run directory. */
    RESTORING,
    /** Its labels' identity is being allocated. */
    WAITING_FOR_IDENTITY,
    /** It has an identity and waits for its datapath to be (re)programmed. */
    WAITING_TO_REGENERATE,
    /** Its maps and programs are being written. */
    REGENERATING,
    READY,
    /** Being deleted: detached, its maps and entries going. */
    DISCONNECTING,
    DISCONNECTED,
    /** A request that can never succeed (its interface is not there, its addresses are not ours). */
    INVALID;

    /** The name the API and the CLI show, as Cilium writes it. */
    public String text() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses {@link #text()}. */
    public static EndpointState of(String text) {
        for (EndpointState s : values()) {
            if (s.text().equals(text)) {
                return s;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is no endpoint state");
    }

    /** The states an endpoint starts in: a new one, one read back at start, or a request that cannot succeed. */
    public static Set<EndpointState> initial() {
        return EnumSet.of(WAITING_FOR_IDENTITY, RESTORING, INVALID);
    }

    public boolean isTerminal() {
        return this == DISCONNECTED || this == INVALID;
    }

    /** The states this one may move to. */
    public Set<EndpointState> next() {
        return switch (this) {
            case RESTORING ->
                EnumSet.of(
                        WAITING_FOR_IDENTITY, WAITING_TO_REGENERATE, REGENERATING, DISCONNECTING, RESTORING, INVALID);
            case WAITING_FOR_IDENTITY -> EnumSet.of(WAITING_TO_REGENERATE, READY, DISCONNECTING, INVALID);
            case WAITING_TO_REGENERATE -> EnumSet.of(REGENERATING, DISCONNECTING, RESTORING);
            case REGENERATING ->
                EnumSet.of(READY, WAITING_FOR_IDENTITY, WAITING_TO_REGENERATE, DISCONNECTING, RESTORING);
            case READY -> EnumSet.of(WAITING_FOR_IDENTITY, WAITING_TO_REGENERATE, DISCONNECTING, RESTORING);
            case DISCONNECTING -> EnumSet.of(DISCONNECTED);
            case DISCONNECTED, INVALID -> EnumSet.noneOf(EndpointState.class);
        };
    }

    public boolean mayMoveTo(EndpointState to) {
        return next().contains(to);
    }
}
