package io.membrane.actors.prefilter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.membrane.maps.net.Cidr;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The request rules both scopes share: each refusal with its reason, offending value and message. */
class ChangeRulesTest {
    private static final Set<Cidr> HELD = Set.of(Cidr.parse("10.1.0.0/16"));

    private static Optional<Prefilter.Rejected> check(boolean add, Scope scope, String... cidrs) {
        return ChangeRules.checkList(
                java.util.Arrays.stream(cidrs).map(Cidr::parse).toList(), add, scope, HELD::contains);
    }

    private static Optional<Prefilter.Rejected> refused(
            PrefilterException.Reason reason, String value, String message) {
        return Optional.of(new Prefilter.Rejected(reason, value, message));
    }

    @Test
    void aListWithoutFaultPasses() {
        assertEquals(
                Optional.empty(), check(true, Scope.NODE, "10.2.0.0/16", "10.1.0.0/16"), "adding a held CIDR is fine");
        assertEquals(Optional.empty(), check(false, Scope.CLUSTER, "10.1.0.0/16"));
    }

    @Test
    void emptyDuplicateAndAbsentAreRefused() {
        assertEquals(
                refused(PrefilterException.Reason.EMPTY, "", "deny: the list is empty"),
                ChangeRules.checkList(List.of(), true, Scope.NODE, HELD::contains));
        assertEquals(
                refused(PrefilterException.Reason.DUPLICATE, "10.9.0.0/16", "10.9.0.0/16: listed more than once"),
                check(true, Scope.NODE, "10.9.0.0/16", "10.9.0.5/16"));
        assertEquals(
                refused(
                        PrefilterException.Reason.NOT_FOUND,
                        "10.3.0.0/16",
                        "10.3.0.0/16: not in the cluster-scoped deny list"),
                check(false, Scope.CLUSTER, "10.1.0.0/16", "10.3.0.0/16"));
        assertEquals(
                refused(
                        PrefilterException.Reason.NOT_FOUND,
                        "10.3.0.0/16",
                        "10.3.0.0/16: not in the node-scoped deny list"),
                check(false, Scope.NODE, "10.3.0.0/16"));
        assertEquals(
                PrefilterException.Reason.DUPLICATE,
                check(false, Scope.NODE, "10.3.0.0/16", "10.3.0.0/16")
                        .orElseThrow()
                        .reason(),
                "a duplicate is named before an absent CIDR");
    }

    @Test
    void onlyTheCurrentRevisionPasses() {
        assertEquals(Optional.empty(), ChangeRules.checkRevision(OptionalLong.empty(), 7));
        assertEquals(Optional.empty(), ChangeRules.checkRevision(OptionalLong.of(7), 7));
        assertEquals(
                refused(
                        PrefilterException.Reason.STALE_REVISION,
                        "6",
                        "revision 6 is stale: the current revision is 7"),
                ChangeRules.checkRevision(OptionalLong.of(6), 7));
    }
}
