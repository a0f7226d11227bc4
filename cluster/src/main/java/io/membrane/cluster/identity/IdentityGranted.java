package io.membrane.cluster.identity;

import io.membrane.cluster.wire.WireMessage;
import java.util.Objects;

/**
 * The decider's answer to an {@link AllocateIdentity}, sent once the table entry is confirmed by a majority.
 *
 * @param labels the label set's text form, as asked
 * @param id     its number; 0 when refused
 * @param error  empty, or why no number can be given (every number of the range is held)
 */
public record IdentityGranted(String labels, int id, String error) implements WireMessage, NodeIdentities.Command {
    public IdentityGranted {
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(error, "error");
    }
}
