package io.membrane.cluster.wire;

import java.util.List;

/**
 * A prefilter change one node asks another to apply (node-to-node call); answered by a
 * {@link ForwardedPrefilterResult} with the same request id.
 *
 * @param deny      CIDRs as text, as the user gave them; copied into an immutable list (no null elements)
 * @param add       true to add the entries, false to remove them
 * @param requestId chosen by the sender, echoed in the result
 */
public record ForwardedPrefilterChange(List<String> deny, boolean add, long requestId) implements WireMessage {
    public ForwardedPrefilterChange {
        deny = List.copyOf(deny);
    }
}
