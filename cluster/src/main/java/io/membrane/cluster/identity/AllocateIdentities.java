package io.membrane.cluster.identity;

import io.membrane.cluster.wire.WireMessage;
import java.util.List;
import java.util.Objects;

/**
 * A node asks the decider for the numbers of label sets (through the singleton proxy): every set the node needs at
 * one moment in one message, so a burst of thousands is a few messages, not thousands. Idempotent: the same labels
 * always get the same answer while the number is held, so a node that heard nothing simply asks again.
 *
 * @param labels  the label sets' text forms
 * @param replyTo the asking node's actor in Pekko's serialization format (ActorRefResolver), which hears
 *                {@link IdentitiesGranted}
 */
public record AllocateIdentities(List<String> labels, String replyTo) implements WireMessage, IdentityDecider.Command {
    public AllocateIdentities {
        labels = List.copyOf(labels);
        Objects.requireNonNull(replyTo, "replyTo");
    }
}
