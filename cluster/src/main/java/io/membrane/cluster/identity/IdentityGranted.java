package io.membrane.cluster.identity;

import java.util.Objects;

/**
 * The decider's answer for one label set of an {@link AllocateIdentities}, part of an {@link IdentitiesGranted}.
 *
 * @param labels the label set's text form, as asked
 * @param id     its number; 0 when refused
 * @param error  empty, or why no number can be given (labels that do not parse, every number of the range held)
 */
public record IdentityGranted(String labels, int id, String error) {
    public IdentityGranted {
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(error, "error");
    }
}
