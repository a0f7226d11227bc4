package io.membrane.actors.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LocalIdentitiesTest {
    private static LabelSet cidr(String text) {
        return LabelSet.parseUser(List.of("cidr=" + text));
    }

    @Test
    void theSameLabelsKeepTheirNumberWhileReferencedAndTheNumberIsLocal() {
        LocalIdentities local = new LocalIdentities();
        Identity a = local.acquire(cidr("10.0.0.0/8"));
        Identity again = local.acquire(cidr("10.0.0.0/8"));
        Identity b = local.acquire(cidr("198.51.100.0/24"));
        assertEquals(a, again);
        assertNotEquals(a.id(), b.id());
        assertEquals(IdentityScope.LOCAL, a.scope());
        assertEquals(IdentityScope.LOCAL_FLAG | 1, a.id());
        local.release(a.id());
        assertEquals(Optional.of(a), local.byId(a.id()), "one reference is left");
        local.release(a.id());
        assertEquals(Optional.empty(), local.byId(a.id()));
        assertEquals(Optional.empty(), local.byLabels(a.labels()));
        local.release(a.id()); // idempotent
        assertEquals(1, local.size());
    }

    @Test
    void releasedNumbersAreReusedAfterTheOthersAndAFullRangeIsRefused() {
        LocalIdentities local = new LocalIdentities(3);
        Identity a = local.acquire(cidr("10.0.0.1/32"));
        Identity b = local.acquire(cidr("10.0.0.2/32"));
        local.release(a.id());
        // The search goes forward from the last number given: 3 first, then the released 1.
        Identity c = local.acquire(cidr("10.0.0.3/32"));
        Identity d = local.acquire(cidr("10.0.0.4/32"));
        assertEquals(IdentityScope.LOCAL_FLAG | 3, c.id());
        assertEquals(a.id(), d.id());
        IdentityUnavailableException full =
                assertThrows(IdentityUnavailableException.class, () -> local.acquire(cidr("10.0.0.5/32")));
        assertTrue(full.getMessage().contains("all 3 node-local identities are held"), full.getMessage());
        assertEquals(b, local.byLabels(b.labels()).orElseThrow());
    }
}
