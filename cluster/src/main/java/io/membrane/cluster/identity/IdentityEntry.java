package io.membrane.cluster.identity;

import io.membrane.cluster.wire.WireMessage;
import java.util.Objects;

/**
 * One row of the replicated identity table, the value under a number in an {@code identity-NNN} key: the label
 * set's text form ({@link io.membrane.actors.identity.LabelSet#toString}), which parses back to the same set.
 */
public record IdentityEntry(String labels) implements WireMessage {
    public IdentityEntry {
        Objects.requireNonNull(labels, "labels");
    }
}
