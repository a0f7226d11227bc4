package io.membrane.datapath.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.topology.Namespaces;
import io.membrane.topology.Ping;
import io.membrane.topology.Workload;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Native routing to two workloads of a node namespace the test makes, with nothing but the kernel answering. */
class HostRoutesTest {
    private static final Ipv4Prefix GATEWAY = Ipv4Prefix.host("10.61.0.1");
    private final String id = UUID.randomUUID().toString().substring(0, 6);
    private final String node = "mbr-rt-" + id;
    private Workload a;
    private Workload b;
    private HostRoutes routes;

    @BeforeEach
    void lab() {
        Namespaces.create(node);
        Namespaces.exec(node, "sysctl", "-qw", "net.ipv4.ip_forward=1").orThrow();
        a = Workload.create(node, node + "-a", "lxa" + id, "10.61.0.10", GATEWAY.addressText());
        b = Workload.create(node, node + "-b", "lxb" + id, "10.61.0.11", GATEWAY.addressText());
        routes = HostRoutes.in(node);
    }

    @AfterEach
    void cleanUp() {
        for (Workload w : new Workload[] {a, b}) {
            if (w != null) {
                w.delete();
            }
        }
        Namespaces.delete(node);
    }

    @Test
    void workloadsReachTheGatewayAndEachOtherThroughTheRoutesOfOurs() {
        routes.ensureGateway(GATEWAY);
        routes.ensureGateway(GATEWAY); // a second start finds it made
        assertEquals(0, Ping.from(a.namespace(), GATEWAY.addressText(), 1), "the node has no route back to a yet");

        routes.addEndpointRoute(Ipv4Prefix.host(a.address()), a.hostDevice());
        assertEquals(3, Ping.from(a.namespace(), GATEWAY.addressText(), 3), "the gateway's ARP is answered");
        assertEquals(0, Ping.from(a.namespace(), b.address(), 1), "no route to b yet");
        routes.addEndpointRoute(Ipv4Prefix.host(b.address()), b.hostDevice());
        routes.addEndpointRoute(Ipv4Prefix.host(b.address()), b.hostDevice()); // replace, not fail
        assertEquals(3, Ping.from(a.namespace(), b.address(), 3));
        assertEquals(
                List.of(
                        "10.61.0.10 dev " + a.hostDevice() + " scope link",
                        "10.61.0.11 dev " + b.hostDevice() + " scope link"),
                routes.endpointRoutes());

        routes.removeEndpointRoute(Ipv4Prefix.host(b.address()));
        routes.removeEndpointRoute(Ipv4Prefix.host(b.address())); // idempotent
        assertEquals(0, Ping.from(a.namespace(), b.address(), 1));
        assertEquals(1, routes.endpointRoutes().size());
    }

    @Test
    void aRouteSomeoneElseMadeIsNeverRemoved() {
        Namespaces.exec(node, "ip", "route", "add", "10.61.0.11/32", "dev", b.hostDevice(), "proto", "static")
                .orThrow();
        routes.removeEndpointRoute(Ipv4Prefix.host(b.address()));
        String left = Namespaces.exec(node, "ip", "route", "show", "10.61.0.11/32")
                .orThrow()
                .output();
        assertTrue(left.contains("proto static"), left);
        routes.addEndpointRoute(Ipv4Prefix.host(a.address()), a.hostDevice());
        routes.removeAllEndpointRoutes(); // uninstall: ours go, the operator's stays
        assertEquals(List.of(), routes.endpointRoutes());
        assertTrue(Namespaces.exec(node, "ip", "route", "show", "10.61.0.11/32")
                .orThrow()
                .output()
                .contains("proto static"));
        routes.removeGateway();
        routes.ensureGateway(GATEWAY);
        routes.removeGateway();
        assertTrue(!Namespaces.exec(node, "ip", "link", "show", HostRoutes.GATEWAY_DEVICE)
                .ok());
    }
}
