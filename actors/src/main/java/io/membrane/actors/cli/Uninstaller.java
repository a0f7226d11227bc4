package io.membrane.actors.cli;

import io.membrane.actors.AgentConfig;
import io.membrane.actors.loader.XdpDetach;
import io.membrane.datapath.net.HostRoutes;
import io.membrane.maps.BpfFs;
import io.membrane.maps.PinnedMaps;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code bin/membrane uninstall}: removes what the agent installed — the prefilter from its devices, the endpoints
 * (their links with the pins, their routes, the gateway device, their state), the pins, the generated files, and
 * the cluster's durable store, so a node installed again starts from what the cluster holds,
 * not from an old copy. Its own class so the client commands never load the datapath's kernel bindings.
 */
final class Uninstaller {
    private Uninstaller() {}

    static void run(AgentConfig config, PrintStream out, PrintStream err) {
        for (AgentConfig.Device d : config.devices()) {
            try {
                boolean removed = XdpDetach.detach(d);
                out.println((removed ? "detached the prefilter from " : "nothing attached to ") + d.label());
            } catch (RuntimeException e) {
                err.println("membrane: could not detach from " + d.label() + ": " + e.getMessage());
            }
        }
        if (config.endpoints().podCidr().isPresent()) {
            // The endpoints' links go with their pins below; their routes and the gateway device are ours too.
            HostRoutes routes = config.endpoints().netns().map(HostRoutes::in).orElseGet(HostRoutes::here);
            try {
                routes.removeAllEndpointRoutes();
                routes.removeGateway();
                out.println("removed the endpoints' routes (protocol " + HostRoutes.PROTOCOL + ") and "
                        + HostRoutes.GATEWAY_DEVICE);
            } catch (RuntimeException e) {
                err.println("membrane: could not remove the endpoints' routes: " + e.getMessage());
            }
        }
        if (Files.exists(config.pinRoot()) && BpfFs.isBpfFs(config.pinRoot())) {
            PinnedMaps.at(config.pinRoot()).removeAll();
            out.println("removed the pins under " + config.pinRoot());
        }
        for (Path p : List.of(
                config.headerDir(),
                config.objectCacheDir(),
                config.monitorSocket(),
                config.apiSocket(),
                config.runDir().resolve("endpoints"),
                config.runDir().resolve("ipam"),
                config.runDir().resolve("prefilter.revision"))) {
            deleteTree(p);
        }
        out.println("removed generated headers and objects under " + config.runDir());
        if (Files.exists(config.ddataDir())) {
            deleteTree(config.ddataDir());
            out.println("removed the cluster's durable store " + config.ddataDir());
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p, e);
        }
    }
}
