package io.membrane.cluster.identity;

import io.membrane.cluster.wire.WireMessage;
import java.util.List;

/**
 * The decider's answers to one node, sent once each new number's table entry is confirmed by a majority: those
 * ready at one moment in one message.
 */
public record IdentitiesGranted(List<IdentityGranted> grants) implements WireMessage, NodeIdentities.Command {
    public IdentitiesGranted {
        grants = List.copyOf(grants);
    }
}
