package io.membrane.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.datapath.net.Devices;
import io.membrane.datapath.net.Netns;
import io.membrane.maps.BpfException;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.KernelTest;
import io.membrane.maps.MapSpec;
import io.membrane.maps.layout.Layout;
import io.membrane.topology.NamespacePair;
import io.membrane.topology.Namespaces;
import io.membrane.topology.Ping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * XDP, tc and tcx attachment to a veth in a namespace of the test's own: attach, list, replace while traffic flows
 * (no packet may be lost during the swaps), detach; a pinned tcx link outlives its fd.
 */
@Tag("kernel")
class AttachTest {
    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    private NamespacePair lab;
    private BpfHashMap<Integer, Long> counter;
    private BpfObject obj;

    @BeforeEach
    void setUp() {
        lab = NamespacePair.create("mbrat");
        counter = kernel.pins().openOrCreate(MapSpec.hash("test_values", Layout.U32, LoaderTest.PAIR_BYTES, 16));
        counter.put(0, 0L);
        obj = BpfObject.open(TestObjects.object());
        obj.bind("test_values", counter);
        obj.load();
    }

    @AfterEach
    void tearDown() {
        if (obj != null) {
            obj.close();
        }
        if (counter != null) {
            counter.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void xdpAttachReplaceUnderTrafficAndDetach() {
        Program a = obj.program("xdp_pass_a");
        Program b = obj.program("xdp_pass_b");
        Netns.call(lab.nsB(), () -> {
            int ifindex = Devices.require(lab.devB());
            Xdp.attach(ifindex, b, Xdp.Mode.GENERIC);
            Xdp.Status status = Xdp.query(ifindex);
            assertEquals(Optional.of(Xdp.Mode.GENERIC), status.mode());
            assertTrue(status.programId() > 0);
            return null;
        });
        assertEquals(5, lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 5));
        assertTrue(counter.lookup(0).orElseThrow() > 0, "the attached program saw the pings");

        // 60 pings at 20 ms while the program is swapped back and forth 40 times: not one may be lost.
        CompletableFuture<Integer> replies = CompletableFuture.supplyAsync(() -> Namespaces.exec(
                                lab.nsA(), "ping", "-n", "-q", "-c", "60", "-i", "0.02", "-W", "1", NamespacePair.B_V4)
                        .output())
                .thenApply(Ping::repliesIn);
        Netns.call(lab.nsB(), () -> {
            int ifindex = Devices.require(lab.devB());
            Program current = b;
            while (!replies.isDone()) {
                Program next = current == a ? b : a;
                Xdp.replace(ifindex, current, next, Xdp.Mode.GENERIC);
                current = next;
                Thread.sleep(25);
            }
            return null;
        });
        assertEquals(60, replies.join(), "no packet lost while programs were swapped");

        Netns.call(lab.nsB(), () -> {
            int ifindex = Devices.require(lab.devB());
            Xdp.detach(ifindex, Xdp.Mode.GENERIC);
            assertEquals(Optional.empty(), Xdp.query(ifindex).mode());
            return null;
        });
    }

    @Test
    void xdpNativeModeOnVeth() {
        Program a = obj.program("xdp_pass_a");
        Netns.call(lab.nsB(), () -> {
            int ifindex = Devices.require(lab.devB());
            Xdp.attach(ifindex, a, Xdp.Mode.NATIVE);
            assertEquals(Optional.of(Xdp.Mode.NATIVE), Xdp.query(ifindex).mode());
            return null;
        });
        assertEquals(3, lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 3));
    }

    @Test
    void tcAttachReplaceListAndDetach() {
        Program tc = obj.program("tc_count");
        Netns.call(lab.nsB(), () -> {
            int ifindex = Devices.require(lab.devB());
            assertEquals(Optional.empty(), Tc.query(ifindex, Tc.Hook.INGRESS));
            Tc.attach(ifindex, Tc.Hook.INGRESS, tc);
            Tc.attach(ifindex, Tc.Hook.EGRESS, tc);
            int id = Tc.query(ifindex, Tc.Hook.INGRESS).orElseThrow();
            assertTrue(id > 0);
            Tc.attach(ifindex, Tc.Hook.INGRESS, tc); // replace in place: same handle and priority
            assertEquals(Optional.of(id), Tc.query(ifindex, Tc.Hook.INGRESS));
            return null;
        });
        long before = counter.lookup(0).orElseThrow();
        assertEquals(3, lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 3));
        long after = counter.lookup(0).orElseThrow();
        assertNotEquals(before, after, "the tc program counted the traffic");
        Netns.call(lab.nsB(), () -> {
            int ifindex = Devices.require(lab.devB());
            assertTrue(Tc.detach(ifindex, Tc.Hook.INGRESS));
            assertFalse(Tc.detach(ifindex, Tc.Hook.INGRESS));
            assertEquals(Optional.empty(), Tc.query(ifindex, Tc.Hook.INGRESS));
            return null;
        });
    }

    @Test
    void tcReplaceUnderTrafficLosesNothing() {
        Program count = obj.program("tc_count");
        Program pass = obj.program("tc_pass");
        Netns.call(lab.nsB(), () -> {
            Tc.attach(Devices.require(lab.devB()), Tc.Hook.INGRESS, count);
            return null;
        });
        CompletableFuture<Integer> replies = CompletableFuture.supplyAsync(() -> Ping.repliesIn(
                Namespaces.exec(lab.nsA(), "ping", "-n", "-q", "-c", "60", "-i", "0.02", "-W", "1", NamespacePair.B_V4)
                        .output()));
        int swaps = Netns.call(lab.nsB(), () -> {
            int ifindex = Devices.require(lab.devB());
            int n = 0;
            Program current = count;
            while (!replies.isDone()) {
                current = current == count ? pass : count;
                Tc.attach(ifindex, Tc.Hook.INGRESS, current);
                n++;
                Thread.sleep(25);
            }
            return n;
        });
        assertTrue(swaps > 10, "swapped " + swaps + " times while the pings ran");
        assertEquals(60, replies.join(), "no packet lost while tc programs were swapped");
    }

    // --- tcx links ---

    private long counted() {
        return counter.lookup(0).orElseThrow();
    }

    @Test
    void aPinnedLinkOutlivesItsFdAnUpdateSwapsUnderTrafficAndDetachEndsIt() throws Exception {
        Program count = obj.program("tc_count");
        Program pass = obj.program("tc_pass");
        Path pin = kernel.pins().root().resolve("tcx_b_ingress");
        int ifindex = Netns.call(lab.nsB(), () -> Devices.require(lab.devB()));
        Tcx.Info first = Netns.call(lab.nsB(), () -> {
            try (Tcx link = Tcx.attach(ifindex, Tcx.Hook.INGRESS, count)) {
                link.pin(pin);
                return link.info();
            }
        });
        assertEquals(ifindex, first.ifindex());
        assertEquals(Optional.of(Tcx.Hook.INGRESS), first.hook());

        long before = counted();
        assertEquals(3, lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 3));
        assertTrue(counted() > before, "the pinned link stayed attached after its fd was closed");

        try (Tcx link = Netns.call(lab.nsB(), () -> Tcx.pinned(pin))) {
            assertEquals(first.linkId(), link.info().linkId());
            link.update(pass);
            assertNotEquals(first.programId(), link.info().programId(), "the link runs the other program now");
            long passing = counted();
            assertEquals(3, lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 3));
            assertEquals(passing, counted(), "tc_pass counts nothing");

            CompletableFuture<Integer> replies = CompletableFuture.supplyAsync(() -> Ping.repliesIn(Namespaces.exec(
                            lab.nsA(), "ping", "-n", "-q", "-c", "60", "-i", "0.02", "-W", "1", NamespacePair.B_V4)
                    .output()));
            int swaps = 0;
            for (Program current = pass; !replies.isDone(); swaps++) {
                current = current == count ? pass : count;
                link.update(current);
                Thread.sleep(25);
            }
            assertTrue(swaps > 10, "swapped " + swaps + " times while the pings ran");
            assertEquals(60, replies.join(), "no packet lost while the link's program was swapped");

            link.update(count);
            link.detach();
            assertEquals(Optional.empty(), link.info().hook(), "a detached link is attached nowhere");
            long detached = counted();
            assertEquals(3, lab.pingFromA(NamespacePair.A_V4, NamespacePair.B_V4, 3));
            assertEquals(detached, counted(), "nothing runs on the hook any more");
            assertThrows(BpfException.class, () -> link.update(pass), "a detached link takes no program");
        } finally {
            Files.deleteIfExists(pin);
        }
    }

    @Test
    void aPinOfAnotherKindIsRefused() {
        Path mapPin = kernel.pins().root().resolve("test_values");
        assertTrue(Files.exists(mapPin), "the test's map is pinned there");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tcx.pinned(mapPin));
        assertTrue(e.getMessage().contains("not a pinned tcx link"), e.getMessage());
    }
}
