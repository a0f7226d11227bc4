package io.membrane.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The toolkit against the real kernel: what it builds carries packets, and close removes every namespace. Needs
 * root and iproute2; skips saying so elsewhere.
 */
class TopologyTest {
    private static void assumeRoot() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to create network namespaces");
        assumeTrue(Command.run("ip", "-V").ok(), "needs iproute2 (ip)");
    }

    @Test
    void pairCarriesBothFamiliesFromEitherSourceAndCloseRemovesIt() {
        assumeRoot();
        NamespacePair pair = NamespacePair.create("mbrtp");
        try {
            assertTrue(Namespaces.exists(pair.nsA()) && Namespaces.exists(pair.nsB()));
            assertEquals(2, pair.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 2));
            assertEquals(2, pair.pingFromA(NamespacePair.A_V4_OTHER, NamespacePair.B_V4, 2));
            assertEquals(2, pair.pingFromA(NamespacePair.A_V6, NamespacePair.B_V6, 2));
        } finally {
            pair.close();
        }
        assertFalse(Namespaces.exists(pair.nsA()) || Namespaces.exists(pair.nsB()), "close left a namespace");
    }

    @Test
    void bridgeMembersReachEachOtherAndNothingElse() {
        assumeRoot();
        String id = UUID.randomUUID().toString().substring(0, 6);
        String fabric = "mbrtb-" + id;
        List<String> members = List.of(fabric + "-1", fabric + "-2");
        try {
            Bridge bridge = Bridge.create(fabric, "br" + id);
            for (int i = 0; i < members.size(); i++) {
                Namespaces.create(members.get(i));
                bridge.join(members.get(i), "p" + id + i, "eth0", List.of("10.78.0." + (i + 1) + "/24"));
            }
            assertEquals(2, Ping.from(members.get(0), "10.78.0.2", 2));
            assertEquals(0, Ping.from(members.get(0), "10.78.0.3", 1), "an address nobody has");
            assertEquals(List.of(fabric, members.get(0), members.get(1)), Namespaces.named(n -> n.startsWith(fabric)));
        } finally {
            members.forEach(Namespaces::delete);
            Namespaces.delete(fabric);
        }
        assertEquals(List.of(), Namespaces.named(n -> n.startsWith(fabric)));
    }

    @Test
    void aFailedStepNamesTheCommandAndItsOutput() {
        assumeRoot();
        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> Links.up("mbrtp-no-such-namespace-" + UUID.randomUUID(), "eth0"));
        assertTrue(e.getMessage().contains("nsenter") && e.getMessage().contains("failed (exit"), e.getMessage());
    }

    @Test
    void deviceNamesLongerThanTheKernelTakesAreRefusedBeforeAnythingIsMade() {
        assertEquals("fifteen-chars-x", Links.requireName("fifteen-chars-x"));
        assertThrows(IllegalArgumentException.class, () -> Links.requireName("sixteen-chars-xy"));
        assertThrows(IllegalArgumentException.class, () -> NamespacePair.createNamed("much-too-long-name"));
    }

    @Test
    void repliesAreReadFromPingsSummary() {
        assertEquals(
                3,
                Ping.repliesIn("PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n\n--- 10.0.0.2 ping statistics "
                        + "---\n3 packets transmitted, 3 received, 0% packet loss, time 402ms\n"));
        assertEquals(0, Ping.repliesIn("2 packets transmitted, 0 received, 100% packet loss, time 1001ms\n"));
        assertThrows(IllegalStateException.class, () -> Ping.repliesIn("ping: connect: Network is unreachable\n"));
    }

    @Test
    void aCommandThatCannotStartIsAResultNotAnException() {
        Command.Result r = Command.run("mbr-no-such-program-" + UUID.randomUUID());
        assertFalse(r.ok());
        assertEquals(-1, r.exitCode());
        assertTrue(r.output().startsWith("cannot run"), r.output());
    }
}
