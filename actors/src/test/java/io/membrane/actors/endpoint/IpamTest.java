package io.membrane.actors.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's address pool: distinct addresses, the reserved ones never, round the pool, and across restarts. */
class IpamTest {
    private static final Ipv4Prefix POOL = Ipv4Prefix.parse("10.200.7.0/29"); // .2 to .6 usable

    @TempDir
    Path dir;

    private Path state() {
        return dir.resolve("endpoints").resolve("ipam");
    }

    @Test
    void givesEveryUsableAddressOnceThenRefusesAndNeverTheReservedOnes() {
        Ipam ipam = Ipam.open(POOL, state());
        assertEquals(5, ipam.capacity());
        assertEquals(Ipv4Prefix.parse("10.200.7.1/32"), ipam.gateway());
        Set<Ipv4Prefix> given = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            assertTrue(given.add(ipam.allocate("ep" + i)));
        }
        assertEquals(
                Set.of("10.200.7.2/32", "10.200.7.3/32", "10.200.7.4/32", "10.200.7.5/32", "10.200.7.6/32"),
                given.stream().map(Ipv4Prefix::toString).collect(java.util.stream.Collectors.toSet()));
        IpamException full = assertThrows(IpamException.class, () -> ipam.allocate("ep5"));
        assertEquals(IpamException.Reason.EXHAUSTED, full.reason());
        assertEquals(5, ipam.allocations().size(), "the refused request left nothing");
    }

    @Test
    void aReleasedAddressComesBackOnlyAfterEveryOtherFreeOne() {
        Ipam ipam = Ipam.open(POOL, state());
        Ipv4Prefix first = ipam.allocate("a");
        ipam.release(first, "a");
        List<Ipv4Prefix> next = List.of(ipam.allocate("b"), ipam.allocate("c"), ipam.allocate("d"), ipam.allocate("e"));
        assertFalse(next.contains(first), "not reused while others are free: " + next);
        assertEquals(first, ipam.allocate("f"), "once the pool went round");
    }

    @Test
    void allocationsAndTheCursorSurviveARestart() throws IOException {
        Ipam before = Ipam.open(POOL, state());
        Ipv4Prefix a = before.allocate("web-1");
        Ipv4Prefix b = before.allocate("db-1");
        before.release(a, "web-1");

        Ipam after = Ipam.open(POOL, state());
        assertEquals(Map.of(b, "db-1"), after.allocations());
        Ipv4Prefix c = after.allocate("web-2");
        assertNotEquals(a, c, "the cursor came back too: a just-released address is not given at once");
        assertNotEquals(b, c);
        assertFalse(Files.exists(state().resolveSibling("ipam.tmp")), "no temporary file left");
    }

    @Test
    void aGivenAddressIsCheckedAndIdempotentForItsOwner() {
        Ipam ipam = Ipam.open(POOL, state());
        Ipv4Prefix want = Ipv4Prefix.parse("10.200.7.4/32");
        assertEquals(want, ipam.allocate(want, "ep1"));
        assertEquals(want, ipam.allocate(want, "ep1"), "the same owner again: no error");
        assertEquals(Optional.of("ep1"), ipam.holder(want));
        assertReason(IpamException.Reason.IN_USE, () -> ipam.allocate(want, "ep2"));
        assertReason(IpamException.Reason.OUTSIDE_POOL, () -> ipam.allocate(Ipv4Prefix.parse("10.200.8.4/32"), "ep2"));
        assertReason(IpamException.Reason.RESERVED, () -> ipam.allocate(Ipv4Prefix.parse("10.200.7.1/32"), "ep2"));
        assertReason(IpamException.Reason.RESERVED, () -> ipam.allocate(Ipv4Prefix.parse("10.200.7.7/32"), "ep2"));
        assertReason(IpamException.Reason.OUTSIDE_POOL, () -> ipam.allocate(Ipv4Prefix.parse("10.200.7.4/31"), "ep2"));
        ipam.release(want, "ep2"); // not its holder: nothing happens
        assertEquals(Optional.of("ep1"), ipam.holder(want));
        assertEquals(1, Ipam.open(POOL, state()).allocations().size(), "refusals wrote nothing");
    }

    @Test
    void aStateFileOfAnotherPoolOrNotOursIsRefusedWithItsName() throws IOException {
        Ipam.open(POOL, state()).allocate("ep1");
        IpamException moved =
                assertThrows(IpamException.class, () -> Ipam.open(Ipv4Prefix.parse("10.201.0.0/24"), state()));
        assertEquals(IpamException.Reason.BAD_POOL, moved.reason());
        assertTrue(moved.getMessage().contains("10.200.7.0/29"), moved.getMessage());

        Files.writeString(state(), "# membrane ipam v1\naddress 10.200.7.3\n");
        assertReason(IpamException.Reason.STATE, () -> Ipam.open(POOL, state()));
        Files.writeString(state(), "something else\n");
        IpamException foreign = assertThrows(IpamException.class, () -> Ipam.open(POOL, state()));
        assertEquals(IpamException.Reason.STATE, foreign.reason());
        assertTrue(foreign.getMessage().contains(state().toString()), foreign.getMessage());
        assertReason(IpamException.Reason.BAD_POOL, () -> Ipam.open(Ipv4Prefix.parse("10.0.0.0/31"), dir.resolve("x")));
    }

    @Test
    void aChangeThatCannotBeWrittenIsNotMade() throws IOException {
        Ipam ipam = Ipam.open(POOL, state());
        Ipv4Prefix held = ipam.allocate("ep1");
        // The state's directory replaced by a file: the next write fails.
        Path endpoints = state().getParent();
        Files.delete(state());
        Files.delete(endpoints);
        Files.writeString(endpoints, "not a directory");
        assertReason(IpamException.Reason.STATE, () -> ipam.allocate("ep2"));
        assertEquals(Map.of(held, "ep1"), ipam.allocations(), "the failed allocation was undone");
        assertReason(IpamException.Reason.STATE, () -> ipam.release(held, "ep1"));
        assertEquals(Map.of(held, "ep1"), ipam.allocations(), "and so was the failed release");
    }

    private static void assertReason(IpamException.Reason reason, org.junit.jupiter.api.function.Executable call) {
        assertEquals(reason, assertThrows(IpamException.class, call).reason());
    }
}
