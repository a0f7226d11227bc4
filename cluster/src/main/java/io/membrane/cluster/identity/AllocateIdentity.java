package io.membrane.cluster.identity;

import io.membrane.cluster.wire.WireMessage;
import java.util.Objects;

/**
 * A node asks the decider for the number of a label set (through the singleton proxy). Idempotent: the same labels
 * always get the same answer while the number is held, so a node that heard nothing simply asks again.
 *
 * @param labels  the label set's text form
 * @param replyTo the asking node's actor in Pekko's serialization format (ActorRefResolver), which hears an
 *                {@link IdentityGranted}
 */
public record AllocateIdentity(String labels, String replyTo) implements WireMessage, IdentityDecider.Command {
    public AllocateIdentity {
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(replyTo, "replyTo");
    }
}
