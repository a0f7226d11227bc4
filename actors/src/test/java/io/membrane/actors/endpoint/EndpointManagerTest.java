package io.membrane.actors.endpoint;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.identity.LabelSet;
import io.membrane.datapath.Tcx;
import io.membrane.datapath.net.HostRoutes;
import io.membrane.datapath.structs.EndpointConfig;
import io.membrane.maps.KernelTest;
import io.membrane.maps.net.Cidr;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.topology.Namespaces;
import io.membrane.topology.Ping;
import io.membrane.topology.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The EndpointManager and its Endpoint actors on the real kernel: workloads in a namespace the test makes, the
 * template compiled once, links and maps read back from the kernel. Every transition of the lifecycle is driven,
 * including a regeneration that fails (the supervisor restarts the endpoint, which comes back from its pins) and a
 * delete while a regeneration runs.
 */
@Tag("kernel")
class EndpointManagerTest {
    private static final ActorTestKit TESTKIT = ActorTestKit.create();
    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @TempDir
    Path tmp;

    private EndpointKernel k;
    private final Gate gate = new Gate();

    @BeforeEach
    void setUp() throws Exception {
        k = new EndpointKernel(tmp);
    }

    @AfterEach
    void tearDown() {
        gate.open();
        k.close();
    }

    @AfterAll
    static void shutdown() {
        TESTKIT.shutdownTestKit();
    }

    private ActorRef<EndpointManager.Command> manager() {
        return TESTKIT.spawn(EndpointManager.create(
                new EndpointManager.Settings(k.services(gate.around(k.host())), k.ipam(), Duration.ofSeconds(15))));
    }

    private static EndpointManager.Reply ask(
            ActorRef<EndpointManager.Command> m, Function<ActorRef<EndpointManager.Reply>, EndpointManager.Command> r) {
        TestProbe<EndpointManager.Reply> probe = TESTKIT.createTestProbe();
        m.tell(r.apply(probe.getRef()));
        return probe.receiveMessage(WAIT);
    }

    private static EndpointManager.Create create(
            int id, Workload w, List<String> labels, ActorRef<EndpointManager.Reply> to) {
        return new EndpointManager.Create(
                id, w.hostDevice(), Optional.of(w.address()), Optional.empty(), labels, Optional.empty(), true, to);
    }

    /** A sync create without a reply address yet (the loop gives it one). */
    private static EndpointManager.Create attempt(
            int id, String device, Optional<String> ipv4, List<String> labels, Optional<String> mac) {
        return new EndpointManager.Create(id, device, ipv4, Optional.empty(), labels, mac, true, null);
    }

    private static Endpoint.Status ready(EndpointManager.Reply r) {
        EndpointManager.Found f = assertInstanceOf(EndpointManager.Found.class, r, () -> r.toString());
        assertEquals(EndpointState.READY, f.status().state(), f.status().toString());
        return f.status();
    }

    private Endpoint.Status status(ActorRef<EndpointManager.Command> m, int id) {
        return assertInstanceOf(EndpointManager.Found.class, ask(m, r -> new EndpointManager.Get(id, r)))
                .status();
    }

    @Test
    void aCreatedEndpointIsInTheKernelCarriesTrafficAndItsDeleteLeavesNothing() throws Exception {
        Workload w = k.workload("a", "10.62.0.10");
        var m = manager();
        Endpoint.Status s = ready(ask(m, r -> create(7, w, List.of("app=web"), r)));
        assertEquals(1000, s.identity());
        assertEquals(
                List.of(
                        EndpointState.WAITING_FOR_IDENTITY,
                        EndpointState.WAITING_TO_REGENERATE,
                        EndpointState.REGENERATING,
                        EndpointState.READY),
                s.log().stream().map(EndpointLog.Entry::state).toList());

        // From the kernel: both links on the host-side veth, each on its hook.
        int ifindex = k.ifindex(w);
        try (Tcx from = Tcx.pinned(k.linkDir(7).resolve("from_container"));
                Tcx to = Tcx.pinned(k.linkDir(7).resolve("to_container"))) {
            assertEquals(ifindex, from.info().ifindex());
            assertEquals(Optional.of(Tcx.Hook.INGRESS), from.info().hook());
            assertEquals(ifindex, to.info().ifindex());
            assertEquals(Optional.of(Tcx.Hook.EGRESS), to.info().hook());
        }
        assertEquals(7, k.lxc("10.62.0.10").orElseThrow().endpointId());
        assertEquals(1000, k.published.get(new Cidr.V4(Ipv4Prefix.host("10.62.0.10"))));
        assertEquals(Set.of("endpoint:7"), k.identities.uses.get(1000));
        assertEquals(3, Ping.from(w.namespace(), EndpointKernel.GATEWAY.addressText(), 3), "routed through bpf_lxc");

        assertInstanceOf(EndpointManager.Found.class, ask(m, r -> new EndpointManager.Delete(7, r)));
        assertFalse(Files.exists(k.linkDir(7)), "links unpinned");
        assertTrue(k.lxc("10.62.0.10").isEmpty());
        assertEquals(List.of(), HostRoutes.in(k.node).endpointRoutes());
        assertTrue(k.published.isEmpty());
        assertTrue(k.identities.uses.isEmpty(), "identity use dropped");
        assertEquals(
                List.of(),
                EndpointStore.at(k.runDir.resolve("endpoints")).loadAll().endpoints());
        assertInstanceOf(EndpointManager.NotFound.class, ask(m, r -> new EndpointManager.Delete(7, r)));
        assertEquals(0, Ping.from(w.namespace(), EndpointKernel.GATEWAY.addressText(), 1));
        // The address is free again: a new endpoint may take it.
        ready(ask(m, r -> create(8, w, List.of("app=web"), r)));
    }

    @Test
    void badRequestsAreRefusedNamingTheFieldAndLeaveNothing() throws Exception {
        Workload w = k.workload("a", "10.62.0.10");
        var m = manager();
        record Bad(String field, EndpointManager.Create create) {}
        String dev = w.hostDevice();
        Optional<String> none = Optional.empty();
        for (Bad bad : List.of(
                new Bad("id", attempt(0, dev, none, List.of(), none)),
                new Bad("interface-name", attempt(3, "nosuch" + k.id, none, List.of(), none)),
                new Bad("addressing.ipv4", attempt(3, dev, Optional.of("10.63.0.5"), List.of(), none)),
                new Bad("addressing.ipv4", attempt(3, dev, Optional.of("10.62.0.1"), List.of(), none)),
                new Bad("addressing.ipv4", attempt(3, dev, Optional.of("10.62.0.x"), List.of(), none)),
                new Bad("labels", attempt(3, dev, none, List.of("=x"), none)),
                new Bad("mac", attempt(3, dev, none, List.of(), Optional.of("zz"))))) {
            var c = bad.create();
            EndpointManager.Reply r = ask(
                    m,
                    to -> new EndpointManager.Create(
                            c.id(), c.interfaceName(), c.ipv4(), c.ipv6(), c.labels(), c.mac(), c.sync(), to));
            EndpointManager.Refused refused = assertInstanceOf(EndpointManager.Refused.class, r, r::toString);
            assertEquals(bad.field(), refused.field(), refused.message());
        }
        assertEquals(
                List.of(),
                EndpointStore.at(k.runDir.resolve("endpoints")).loadAll().endpoints());
        assertTrue(k.ipam().allocations().isEmpty());
        assertTrue(k.lxc("10.62.0.10").isEmpty());

        ready(ask(m, r -> create(3, w, List.of(), r)));
        Workload other = k.workload("b", "10.62.0.11");
        EndpointManager.Refused taken =
                assertInstanceOf(EndpointManager.Refused.class, ask(m, r -> create(3, other, List.of(), r)));
        assertTrue(taken.conflict(), "an id that exists is a conflict");
        EndpointManager.Refused inUse = assertInstanceOf(
                EndpointManager.Refused.class,
                ask(
                        m,
                        r -> new EndpointManager.Create(
                                4,
                                other.hostDevice(),
                                Optional.of(w.address()),
                                Optional.empty(),
                                List.of(),
                                Optional.empty(),
                                true,
                                r)));
        assertEquals("addressing.ipv4", inUse.field());
        assertTrue(k.lxc(other.address()).isEmpty());
    }

    @Test
    void aLabelChangeGetsANewIdentityRegeneratesAndDropsTheOldUse() {
        Workload w = k.workload("a", "10.62.0.10");
        var m = manager();
        ready(ask(m, r -> create(5, w, List.of("app=web"), r)));
        int programBefore = programOf(5);
        Endpoint.Status s = ready(ask(m, r -> new EndpointManager.SetLabels(5, List.of("app=db"), r)));
        assertEquals(1001, s.identity());
        assertEquals(LabelSet.parseUser(List.of("app=db")), s.labels());
        assertFalse(k.identities.uses.containsKey(1000), "the old identity's use is dropped");
        assertEquals(1001, k.published.get(new Cidr.V4(Ipv4Prefix.host(w.address()))));
        assertTrue(programOf(5) != programBefore, "the links run a new copy");
        assertEquals(3, Ping.from(w.namespace(), EndpointKernel.GATEWAY.addressText(), 3));
    }

    @Test
    void aFailedRegenerationRestartsTheEndpointWhichComesBackReadyFromItsPins() {
        Workload w = k.workload("a", "10.62.0.10");
        var m = manager();
        ready(ask(m, r -> create(5, w, List.of("app=web"), r)));
        gate.failNextRegeneration.set(true);
        m.tell(new EndpointManager.SetLabels(
                5,
                List.of("app=db"),
                TESTKIT.<EndpointManager.Reply>createTestProbe().getRef()));
        await().atMost(WAIT).untilAsserted(() -> {
            Endpoint.Status s = status(m, 5);
            assertEquals(EndpointState.READY, s.state());
            assertEquals(1001, s.identity(), "the label change survives the restart");
            assertTrue(
                    s.log().stream().anyMatch(e -> e.state() == EndpointState.RESTORING),
                    "restarted from the pinned state: " + s.log());
        });
        assertEquals(3, Ping.from(w.namespace(), EndpointKernel.GATEWAY.addressText(), 3));
    }

    @Test
    void aDeleteWhileRegeneratingWaitsForTheRegenerationThenLeavesNothing() throws Exception {
        Workload w = k.workload("a", "10.62.0.10");
        var m = manager();
        ready(ask(m, r -> create(5, w, List.of("app=web"), r)));
        gate.close();
        m.tell(new EndpointManager.SetLabels(
                5,
                List.of("app=db"),
                TESTKIT.<EndpointManager.Reply>createTestProbe().getRef()));
        await().atMost(WAIT).until(() -> status(m, 5).state() == EndpointState.REGENERATING);
        TestProbe<EndpointManager.Reply> deleted = TESTKIT.createTestProbe();
        m.tell(new EndpointManager.Delete(5, deleted.getRef()));
        deleted.expectNoMessage(Duration.ofMillis(300));
        gate.open();
        assertInstanceOf(EndpointManager.Found.class, deleted.receiveMessage(WAIT));
        assertFalse(Files.exists(k.linkDir(5)));
        assertTrue(k.lxc(w.address()).isEmpty());
        assertTrue(k.identities.uses.isEmpty(), "neither identity is held: " + k.identities.uses);
        assertTrue(k.published.isEmpty());
    }

    @Test
    void aNewManagerRestoresTheEndpointWithItsIdentityAndItsLinksStayAttachedMeanwhile() throws Exception {
        Workload w = k.workload("a", "10.62.0.10");
        var m = manager();
        ready(ask(m, r -> create(9, w, List.of("app=web"), r)));
        long linkId;
        int programId;
        try (Tcx from = Tcx.pinned(k.linkDir(9).resolve("from_container"))) {
            linkId = from.info().linkId();
            programId = from.info().programId();
        }
        TESTKIT.stop(m);
        assertEquals(3, Ping.from(w.namespace(), EndpointKernel.GATEWAY.addressText(), 3), "no agent, traffic flows");
        var again = manager();
        await().atMost(WAIT).untilAsserted(() -> {
            Endpoint.Status s = status(again, 9);
            assertEquals(EndpointState.READY, s.state());
            assertEquals(1000, s.identity());
            assertEquals(EndpointState.RESTORING, s.log().get(0).state());
        });
        try (Tcx from = Tcx.pinned(k.linkDir(9).resolve("from_container"))) {
            assertEquals(linkId, from.info().linkId(), "the same link");
            assertEquals(programId, from.info().programId(), "its program current: restored without a reload");
        }
        assertEquals(
                Optional.of("9"), k.ipam().holder(Ipv4Prefix.host(w.address())), "the address stays the endpoint's");
    }

    @Test
    void anEndpointWhoseInterfaceDisappearsIsDisconnectedAndCleanedUp() throws Exception {
        Workload w = k.workload("a", "10.62.0.10");
        var m = manager();
        ready(ask(m, r -> create(6, w, List.of("app=web"), r)));
        Namespaces.exec(k.node, "ip", "link", "del", w.hostDevice()).orThrow();
        await().atMost(WAIT)
                .until(() -> ask(m, r -> new EndpointManager.Get(6, r)) instanceof EndpointManager.NotFound);
        assertFalse(Files.exists(k.linkDir(6)));
        assertTrue(k.lxc(w.address()).isEmpty());
        assertTrue(k.published.isEmpty());
        assertTrue(k.ipam().allocations().isEmpty());
    }

    private int programOf(int endpointId) {
        try (Tcx from = Tcx.pinned(k.linkDir(endpointId).resolve("from_container"))) {
            return from.info().programId();
        }
    }

    /** A host around the kernel's whose regenerations a test can hold back or make fail once. */
    static final class Gate {
        final AtomicBoolean failNextRegeneration = new AtomicBoolean();
        private volatile CountDownLatch latch = new CountDownLatch(0);

        void close() {
            latch = new CountDownLatch(1);
        }

        void open() {
            latch.countDown();
        }

        EndpointHost around(EndpointHost real) {
            return new EndpointHost() {
                @Override
                public <T> CompletionStage<T> run(Callable<T> work) {
                    return real.run(work);
                }

                @Override
                public String templateKey() {
                    return real.templateKey();
                }

                @Override
                public void ensureGateway() {
                    real.ensureGateway();
                }

                @Override
                public CompletionStage<OptionalInt> ifindex(String name) {
                    return real.ifindex(name);
                }

                @Override
                public Programmed program(EndpointConfig config, Ipv4Prefix ipv4, String device) {
                    return wrap(real.program(config, ipv4, device));
                }

                @Override
                public boolean pinned(int endpointId) {
                    return real.pinned(endpointId);
                }

                @Override
                public Programmed restore(EndpointConfig config, Ipv4Prefix ipv4, String device) {
                    return wrap(real.restore(config, ipv4, device));
                }

                @Override
                public void removeLeftovers(int endpointId, Ipv4Prefix ipv4) {
                    real.removeLeftovers(endpointId, ipv4);
                }

                @Override
                public void close() {
                    // the test's EndpointKernel closes the real host
                }
            };
        }

        private EndpointHost.Programmed wrap(EndpointHost.Programmed p) {
            return new EndpointHost.Programmed() {
                @Override
                public void regenerate(EndpointConfig next) {
                    try {
                        latch.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    if (failNextRegeneration.getAndSet(false)) {
                        throw new IllegalStateException("injected: the verifier refused the program");
                    }
                    p.regenerate(next);
                }

                @Override
                public EndpointConfig config() {
                    return p.config();
                }

                @Override
                public String programKey() {
                    return p.programKey();
                }

                @Override
                public int attachedIfindex() {
                    return p.attachedIfindex();
                }

                @Override
                public void remove() {
                    p.remove();
                }

                @Override
                public void close() {
                    p.close();
                }
            };
        }
    }
}
