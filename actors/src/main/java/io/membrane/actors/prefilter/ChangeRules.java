package io.membrane.actors.prefilter;

import io.membrane.maps.net.Cidr;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The rules a user's change of the deny list must pass before anything is written, whichever scope it names: the
 * Prefilter actor checks a node-scoped change against its table, the cluster bridge a cluster-scoped one against
 * the replicated list, both here, so a request is refused with the same reason and message on either path. The
 * revision is checked first (a caller working from an old view learns that before anything about its list), then
 * the list: not empty, no CIDR twice, and for a removal every CIDR held by the scope. What depends on one node's
 * configuration (a disabled address family) and the kernel's answer stay with {@link PrefilterTable}.
 */
public final class ChangeRules {
    private ChangeRules() {}

    /** Refuses a change that names a revision other than {@code current}. */
    public static Optional<Prefilter.Rejected> checkRevision(OptionalLong expected, long current) {
        if (expected.isPresent() && expected.getAsLong() != current) {
            return refuse(
                    PrefilterException.Reason.STALE_REVISION,
                    String.valueOf(expected.getAsLong()),
                    "revision " + expected.getAsLong() + " is stale: the current revision is " + current);
        }
        return Optional.empty();
    }

    /**
     * Refuses an empty list, a CIDR listed more than once, and (for a removal) the first CIDR {@code scope} does not
     * hold.
     *
     * @param held whether {@code scope} holds a CIDR now
     */
    public static Optional<Prefilter.Rejected> checkList(
            List<Cidr> cidrs, boolean add, Scope scope, Predicate<Cidr> held) {
        if (cidrs.isEmpty()) {
            return refuse(PrefilterException.Reason.EMPTY, "", "deny: the list is empty");
        }
        Set<Cidr> seen = new HashSet<>();
        for (Cidr c : cidrs) {
            if (!seen.add(c)) {
                return refuse(PrefilterException.Reason.DUPLICATE, c.toString(), c + ": listed more than once");
            }
        }
        if (!add) {
            for (Cidr c : cidrs) {
                if (!held.test(c)) {
                    return refuse(
                            PrefilterException.Reason.NOT_FOUND,
                            c.toString(),
                            c + ": not in the " + scope.label() + "-scoped deny list");
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Prefilter.Rejected> refuse(PrefilterException.Reason reason, String value, String message) {
        return Optional.of(new Prefilter.Rejected(reason, value, message));
    }
}
