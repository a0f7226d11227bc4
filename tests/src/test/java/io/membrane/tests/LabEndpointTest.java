package io.membrane.tests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.api.model.EndpointModel;
import io.membrane.datapath.net.Netns;
import io.membrane.lab.Lab;
import io.membrane.lab.Lab.Node;
import io.membrane.lab.LabWorkloads;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.topology.Namespaces;
import io.membrane.topology.Ping;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Endpoints across three real agent processes in the lab: workloads on different nodes reach each other over the
 * fabric with real TCP and UDP (native routing of the pod CIDRs), each node's pinned ipcache maps the others'
 * workloads to their identities, and a kill -9 of an agent while a TCP stream and a ping flood run through its
 * endpoint loses no packet, the endpoint restored with its identity.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabEndpointTest {
    private static final LabFixture FIXTURE = new LabFixture(System.nanoTime());
    private static final Consumer<String> LOG = FIXTURE.log();

    private static Lab lab;
    private static LabWorkloads workloads;

    @BeforeAll
    static void up() {
        lab = FIXTURE.up();
        workloads = new LabWorkloads(lab);
    }

    @AfterAll
    static void down() {
        FIXTURE.down("lab-logs-endpoint");
    }

    @AfterEach
    void removeWorkloads() {
        for (Node n : lab.nodes()) {
            if (!lab.isRunning(n)) {
                lab.launch(n);
                lab.awaitReady(n);
            }
        }
        for (LabWorkloads.Running r : workloads.list()) {
            workloads.delete(r.name());
        }
    }

    @Test
    @Order(1)
    void workloadsOnTwoNodesTalkAndEveryNodesIpcacheHasTheOthers() throws Exception {
        LabWorkloads.Running web = workloads.add(lab.node(1), "web", List.of("app=web"));
        LabWorkloads.Running db = workloads.add(lab.node(3), "db", List.of("app=db"));
        assertEquals("ready", web.endpoint().state());
        assertTrue(web.address().startsWith("10.241.1."), web.address());
        assertTrue(db.address().startsWith("10.241.3."), db.address());

        for (Node n : lab.nodes()) {
            awaitPinned(n, web.address(), web.endpoint().identity());
            awaitPinned(n, db.address(), db.endpoint().identity());
        }
        assertEquals(3, Ping.from(web.namespace(), db.address(), 3));
        tcpEcho(web, db, 200);
        udpEcho(web, db, 20);

        workloads.delete("web");
        awaitPinned(lab.node(3), web.address(), -1);
        awaitPinned(lab.node(2), web.address(), -1);
        assertEquals(0, Ping.from(db.namespace(), web.address(), 1));
    }

    @Test
    @Order(2)
    void aKill9UnderTrafficLosesNothingAndTheEndpointComesBackWithItsIdentity() throws Exception {
        LabWorkloads.Running a = workloads.add(lab.node(1), "a", List.of("app=a"));
        LabWorkloads.Running b = workloads.add(lab.node(2), "b", List.of("app=b"));
        awaitPinned(lab.node(1), b.address(), b.endpoint().identity());
        awaitPinned(lab.node(2), a.address(), a.endpoint().identity());

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong roundTrips = new AtomicLong();
        CompletableFuture<Void> stream = tcpStream(a, b, stop, roundTrips);
        // Every 10 ms (about 60 per second here) for about 50 s: outlasts the agent's absence and its restore.
        Process flood = new ProcessBuilder(
                        "nsenter",
                        "--net=" + Namespaces.path(a.namespace()),
                        "ping",
                        "-n",
                        "-q",
                        "-i",
                        "0.01",
                        "-c",
                        "3000",
                        "-W",
                        "1",
                        b.address())
                .redirectErrorStream(true)
                .start();
        Thread.sleep(2_000);
        long before = roundTrips.get();
        lab.kill9(lab.node(1));
        LOG.accept("n1 killed; the stream has made " + before + " round trips");
        Thread.sleep(3_000);
        long whileDown = roundTrips.get();
        assertTrue(whileDown > before, "the TCP stream goes on while the agent is down");
        lab.launch(lab.node(1));
        lab.awaitReady(lab.node(1));
        await("a restored").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            EndpointModel e = lab.api(lab.node(1)).endpoint(a.endpoint().id());
            assertEquals("ready", e.state());
            assertEquals(a.endpoint().identity(), e.identity(), "the same identity");
        });
        LOG.accept("a is ready again");
        List<String> log = lab.api(lab.node(1)).endpointLog(a.endpoint().id()).stream()
                .map(EndpointModel.LogEntry::state)
                .toList();
        assertEquals("restoring", log.get(0), log.toString());
        assertTrue(flood.isAlive(), "the flood outlasted the restore");
        String out = new String(flood.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        flood.waitFor();
        stop.set(true);
        stream.get();
        LOG.accept("flood: " + out.strip().replace('\n', ' '));
        assertEquals(3000, Ping.repliesIn(out), "no ping of the flood is lost: " + out);
        assertTrue(roundTrips.get() > whileDown, "the stream carried on after the restore");
    }

    // --- helpers ---

    private static void awaitPinned(Node node, String address, long identity) {
        LabFixture.awaitPinned(lab, node, Ipv4Prefix.host(address), identity);
    }

    private static void tcpEcho(LabWorkloads.Running from, LabWorkloads.Running to, int rounds) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong done = new AtomicLong();
        CompletableFuture<Void> s = tcpStream(from, to, stop, done);
        await().atMost(Duration.ofSeconds(10)).until(() -> done.get() >= rounds || s.isDone());
        stop.set(true);
        s.get();
    }

    /** Round trips of 8 bytes over one TCP connection from {@code from} to {@code to} until {@code stop}. */
    private static CompletableFuture<Void> tcpStream(
            LabWorkloads.Running from, LabWorkloads.Running to, AtomicBoolean stop, AtomicLong roundTrips)
            throws Exception {
        ServerSocket server = Netns.call(to.namespace(), () -> {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(to.address(), 0));
            return s;
        });
        Thread echo = new Thread(() -> {
            try (server;
                    Socket c = server.accept()) {
                c.getInputStream().transferTo(c.getOutputStream());
            } catch (Exception e) {
                // the client side reports what went wrong
            }
        });
        echo.setDaemon(true);
        echo.start();
        return CompletableFuture.runAsync(() -> Netns.call(from.namespace(), () -> {
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress(to.address(), server.getLocalPort()), 3000);
                c.setSoTimeout(5000);
                DataOutputStream out = new DataOutputStream(c.getOutputStream());
                DataInputStream in = new DataInputStream(c.getInputStream());
                for (long i = 0; !stop.get(); i++) {
                    out.writeLong(i);
                    assertEquals(i, in.readLong());
                    roundTrips.incrementAndGet();
                    Thread.sleep(1);
                }
            }
            return null;
        }));
    }

    private static void udpEcho(LabWorkloads.Running from, LabWorkloads.Running to, int datagrams) throws Exception {
        try (DatagramSocket server =
                        Netns.call(to.namespace(), () -> new DatagramSocket(new InetSocketAddress(to.address(), 0)));
                DatagramSocket client = Netns.call(
                        from.namespace(), () -> new DatagramSocket(new InetSocketAddress(from.address(), 0)))) {
            server.setSoTimeout(3000);
            client.setSoTimeout(3000);
            for (int i = 0; i < datagrams; i++) {
                byte[] msg = ("ping " + i).getBytes(StandardCharsets.UTF_8);
                client.send(new DatagramPacket(msg, msg.length, server.getLocalSocketAddress()));
                DatagramPacket got = new DatagramPacket(new byte[64], 64);
                server.receive(got);
                server.send(new DatagramPacket(got.getData(), got.getLength(), got.getSocketAddress()));
                DatagramPacket back = new DatagramPacket(new byte[64], 64);
                client.receive(back);
                assertEquals("ping " + i, new String(back.getData(), 0, back.getLength(), StandardCharsets.UTF_8));
            }
        }
    }
}
