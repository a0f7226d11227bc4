package io.membrane.datapath;

import io.membrane.datapath.structs.Direction;
import io.membrane.datapath.structs.EndpointConfig;
import io.membrane.datapath.structs.EndpointInfo;
import io.membrane.datapath.structs.EndpointKey;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.datapath.structs.PolicyEntry;
import io.membrane.datapath.structs.PolicyKey;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.BpfMap;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One endpoint's share of the datapath, programmed and taken down as a unit: its policy map (pinned; until policy
 * exists it allows everything both ways, as Cilium does for an endpoint no rule selects), its copy of bpf_lxc from
 * the template loaded with its constants, two tcx links on its host-side veth (from_container on ingress,
 * to_container on egress), pinned so that traffic keeps its programs while the agent is down, and its entry in
 * {@code membrane_lxc}. A regeneration loads a new copy and moves both links to it, each in one step.
 *
 * <p>The caller runs every method in the network namespace of the host-side veth (the links name it by ifindex).
 * Not thread-safe: one owner (the endpoint's actor).
 */
public final class EndpointDatapath implements AutoCloseable {
    /** What the template is compiled from and bound to: the loader, its header directories and the shared maps. */
    public record Template(ObjectLoader loader, List<Path> headerDirs, OpenMaps shared, PinnedMaps pins) {
        public Template {
            headerDirs = List.copyOf(headerDirs);
        }
    }

    private final Template template;
    private final BpfHashMap<PolicyKey, PolicyEntry> policy;
    private final Path linkDir;
    private final Tcx fromContainer;
    private final Tcx toContainer;
    private EndpointConfig config;
    private ObjectLoader.Loaded loaded;
    private boolean removed;

    private EndpointDatapath(
            Template template,
            BpfHashMap<PolicyKey, PolicyEntry> policy,
            Path linkDir,
            Tcx fromContainer,
            Tcx toContainer,
            EndpointConfig config,
            ObjectLoader.Loaded loaded) {
        this.template = template;
        this.policy = policy;
        this.linkDir = linkDir;
        this.fromContainer = fromContainer;
        this.toContainer = toContainer;
        this.config = config;
        this.loaded = loaded;
    }

    /** Where an endpoint's links are pinned: {@code <pin root>/endpoints/<id>/}. */
    public static Path linkDir(PinnedMaps pins, int endpointId) {
        return pins.root().resolve("endpoints").resolve(String.valueOf(endpointId));
    }

    /**
     * Programs a new endpoint. Nothing is left behind if any step fails: what was created is removed again.
     *
     * @param ipv4 the endpoint's address, its key in membrane_lxc
     */
    public static EndpointDatapath program(Template t, EndpointConfig config, Ipv4Prefix ipv4) {
        DatapathMaps maps = t.shared().specs();
        List<Runnable> undo = new ArrayList<>();
        try {
            BpfHashMap<PolicyKey, PolicyEntry> policy = t.pins().openOrCreate(maps.policy(config.endpointId()));
            undo.add(() -> {
                policy.close();
                t.pins().unpin(maps.policy(config.endpointId()));
            });
            policy.put(new PolicyKey(0, 0, 0, Direction.INGRESS), PolicyEntry.ALLOW);
            policy.put(new PolicyKey(0, 0, 0, Direction.EGRESS), PolicyEntry.ALLOW);
            ObjectLoader.Loaded loaded = load(t, config, policy);
            undo.add(loaded::close);
            Path dir = linkDir(t.pins(), config.endpointId());
            Files.createDirectories(dir);
            undo.add(() -> delete(dir));
            Tcx from =
                    attach(config, Tcx.Hook.INGRESS, loaded.program("from_container"), dir.resolve("from_container"));
            undo.add(() -> unlink(from, dir.resolve("from_container")));
            Tcx to = attach(config, Tcx.Hook.EGRESS, loaded.program("to_container"), dir.resolve("to_container"));
            undo.add(() -> unlink(to, dir.resolve("to_container")));
            BpfHashMap<EndpointKey, EndpointInfo> lxc = t.shared().get(DatapathMaps.LXC);
            lxc.put(key(ipv4), new EndpointInfo(config.ifindex(), config.endpointId(), 0, 0, 0));
            return new EndpointDatapath(t, policy, dir, from, to, config, loaded);
        } catch (IOException | RuntimeException e) {
            for (int i = undo.size() - 1; i >= 0; i--) {
                undo.get(i).run();
            }
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /**
     * Takes over an endpoint programmed by an earlier run: its pinned links and policy map, traffic flowing through
     * them all the while. Its copy of the program is whatever the links run until the next {@link #regenerate}.
     */
    public static EndpointDatapath restore(Template t, EndpointConfig config) {
        DatapathMaps maps = t.shared().specs();
        Path dir = linkDir(t.pins(), config.endpointId());
        BpfHashMap<PolicyKey, PolicyEntry> policy = t.pins()
                .openExisting(maps.policy(config.endpointId()))
                .orElseThrow(() -> new IllegalStateException(
                        "endpoint " + config.endpointId() + " has no pinned policy map to restore"));
        try {
            Tcx from = Tcx.pinned(dir.resolve("from_container"));
            try {
                return new EndpointDatapath(
                        t, policy, dir, from, Tcx.pinned(dir.resolve("to_container")), config, null);
            } catch (RuntimeException e) {
                from.close();
                throw e;
            }
        } catch (RuntimeException e) {
            policy.close();
            throw e;
        }
    }

    /** Loads a copy with {@code next}'s constants and moves both links to it; on failure the old copy runs on. */
    public void regenerate(EndpointConfig next) {
        ObjectLoader.Loaded fresh = load(template, next, policy);
        try {
            fromContainer.update(fresh.program("from_container"));
            toContainer.update(fresh.program("to_container"));
        } catch (RuntimeException e) {
            if (loaded != null) {
                fromContainer.update(loaded.program("from_container"));
            }
            fresh.close();
            throw e;
        }
        if (loaded != null) {
            loaded.close();
        }
        loaded = fresh;
        config = next;
    }

    /** The key of the object the template compiles to now: what a loaded copy's {@link #compiled} names. */
    public static String templateKey(Template t) {
        return t.loader().compile("bpf_lxc.c", t.headerDirs()).key();
    }

    /** The device the from-container link is attached to, as the kernel reports it (0: none, it went). */
    public int attachedIfindex() {
        return fromContainer.info().hook().isPresent() ? fromContainer.info().ifindex() : 0;
    }

    /** How this process's copy was compiled; empty for a restored endpoint not regenerated yet. */
    public Optional<ObjectCache.Compiled> compiled() {
        return Optional.ofNullable(loaded).map(ObjectLoader.Loaded::compiled);
    }

    public EndpointConfig config() {
        return config;
    }

    /** The endpoint's policy map (owned by this object). */
    public BpfHashMap<PolicyKey, PolicyEntry> policy() {
        return policy;
    }

    /**
     * Takes the endpoint out of the kernel: its links detached and unpinned, its lxc entry and policy map gone. A
     * second call does nothing.
     */
    public void remove(Ipv4Prefix ipv4) {
        if (removed) {
            return;
        }
        removed = true;
        unlink(fromContainer, linkDir.resolve("from_container"));
        unlink(toContainer, linkDir.resolve("to_container"));
        delete(linkDir);
        BpfHashMap<EndpointKey, EndpointInfo> lxc = template.shared().get(DatapathMaps.LXC);
        lxc.delete(key(ipv4));
        policy.close();
        template.pins().unpin(template.shared().specs().policy(config.endpointId()));
        if (loaded != null) {
            loaded.close();
            loaded = null;
        }
    }

    /** Closes this process's handles; the pinned links and maps stay, and traffic with them. */
    @Override
    public void close() {
        if (removed) {
            return;
        }
        fromContainer.close();
        toContainer.close();
        policy.close();
        if (loaded != null) {
            loaded.close();
        }
    }

    private static ObjectLoader.Loaded load(
            Template t, EndpointConfig config, BpfHashMap<PolicyKey, PolicyEntry> policy) {
        return t.loader()
                .load(
                        "bpf_lxc.c",
                        t.headerDirs(),
                        t.shared().all(),
                        DatapathMaps.ENDPOINT_LAYOUTS,
                        Map.<String, BpfMap<?, ?>>of(DatapathMaps.POLICY_TEMPLATE, policy),
                        Map.of(EndpointConfig.VARIABLE, config.toBytes()));
    }

    private static Tcx attach(EndpointConfig config, Tcx.Hook hook, Program program, Path pin) {
        Tcx link = Tcx.attach(config.ifindex(), hook, program);
        try {
            link.pin(pin);
            return link;
        } catch (RuntimeException e) {
            link.close();
            throw e;
        }
    }

    private static void unlink(Tcx link, Path pin) {
        if (link.info().hook().isPresent()) { // a link whose device went is detached already
            link.detach();
        }
        delete(pin);
        link.close();
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p, e);
        }
    }

    private static EndpointKey key(Ipv4Prefix ipv4) {
        return new EndpointKey(IpcacheKey.FAMILY_IPV4, ipv4.addressBytes());
    }
}
