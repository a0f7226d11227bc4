package io.membrane.datapath.net;

import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What a node needs to deliver to its endpoints, as Cilium's native routing sets it up: a /32 route to each
 * endpoint's host-side veth, and the endpoints' gateway address on a device of the agent's own ({@value
 * #GATEWAY_DEVICE}, one end of a veth pair whose other end is {@value #GATEWAY_PEER}, as Cilium's {@code
 * cilium_host}/{@code cilium_net}; a veth because kernels without the dummy driver have it), so the kernel answers
 * an endpoint's ARP for its gateway on the veth it came in on. Every route made here carries protocol {@value #PROTOCOL}, and removals name it: the agent
 * can only take away a route it made, never one an operator or another daemon put on the same prefix.
 *
 * <p>Runs iproute2's {@code ip} (in the namespace given, else the caller's), as the lab and the tests do.
 */
public final class HostRoutes {
    /** The routing protocol number that marks the agent's routes ({@code ip route show proto 177}). */
    public static final int PROTOCOL = 177;

    public static final String GATEWAY_DEVICE = "mbr_host";
    public static final String GATEWAY_PEER = "mbr_net";

    private static final long TIMEOUT_SECONDS = 10;

    private final Optional<String> netns;

    private HostRoutes(Optional<String> netns) {
        this.netns = netns;
    }

    /** Routes of the caller's own network namespace (the agent's). */
    public static HostRoutes here() {
        return new HostRoutes(Optional.empty());
    }

    /** Routes of the named namespace ({@code ip -n NAME}). */
    public static HostRoutes in(String netns) {
        return new HostRoutes(Optional.of(netns));
    }

    /** Makes the gateway device if it is missing and gives it {@code gateway}; what is there already stays. */
    public void ensureGateway(Ipv4Prefix gateway) {
        if (!ip("link", "show", "dev", GATEWAY_DEVICE).ok()) {
            ip("link", "add", GATEWAY_DEVICE, "type", "veth", "peer", "name", GATEWAY_PEER)
                    .orThrow();
        }
        ip("link", "set", GATEWAY_PEER, "up").orThrow();
        ip("addr", "replace", gateway.addressText() + "/32", "dev", GATEWAY_DEVICE)
                .orThrow();
        ip("link", "set", GATEWAY_DEVICE, "up").orThrow();
    }

    /** Removes the gateway device (its peer and addresses with it); nothing happens if there is none. */
    public void removeGateway() {
        if (ip("link", "show", "dev", GATEWAY_DEVICE).ok()) {
            ip("link", "del", GATEWAY_DEVICE).orThrow();
        }
    }

    /** Routes {@code endpoint} (one address) to {@code device}, replacing an earlier route of ours to it. */
    public void addEndpointRoute(Ipv4Prefix endpoint, String device) {
        ip(
                        "route",
                        "replace",
                        endpoint.addressText() + "/32",
                        "dev",
                        device,
                        "proto",
                        String.valueOf(PROTOCOL),
                        "scope",
                        "link")
                .orThrow();
    }

    /**
     * Removes the route of ours to {@code endpoint}; a route that is not there, or not ours, is left as it is (a
     * delete is idempotent, and the device's removal takes its routes with it).
     */
    public void removeEndpointRoute(Ipv4Prefix endpoint) {
        Result r = ip("route", "del", endpoint.addressText() + "/32", "proto", String.valueOf(PROTOCOL));
        if (!r.ok() && !r.output().contains("No such process") && !r.output().contains("Cannot find device")) {
            r.orThrow();
        }
    }

    /** Removes every route of ours (uninstall); routes of other protocols stay. */
    public void removeAllEndpointRoutes() {
        ip("route", "flush", "proto", String.valueOf(PROTOCOL)).orThrow();
    }

    /** The destinations of the routes of ours, as {@code ip route show proto 177} lists them. */
    public List<String> endpointRoutes() {
        List<String> out = new ArrayList<>();
        for (String line : ip("route", "show", "proto", String.valueOf(PROTOCOL))
                .orThrow()
                .output()
                .split("\n")) {
            if (!line.isBlank()) {
                out.add(line.strip());
            }
        }
        return out;
    }

    /** One run of {@code ip}: its arguments, exit code and output. */
    public record Result(List<String> command, int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }

        public Result orThrow() {
            if (!ok()) {
                throw new RouteException(String.join(" ", command), exitCode, output.strip());
            }
            return this;
        }
    }

    private Result ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        netns.ifPresent(n -> cmd.addAll(List.of("-n", n)));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new RouteException(String.join(" ", cmd), -1, "timed out");
            }
            return new Result(cmd, p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new RouteException(
                    String.join(" ", cmd), -1, "cannot run ip (apt-get install iproute2): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RouteException(String.join(" ", cmd), -1, "interrupted");
        }
    }
}
