package io.membrane.actors.loader;

import io.membrane.actors.AgentConfig;
import io.membrane.actors.MapRegistry;
import io.membrane.datapath.Clang;
import io.membrane.datapath.ConfigHeaders;
import io.membrane.datapath.ObjectCache;
import io.membrane.datapath.ObjectLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Writes the generated headers (start-up step 4) and runs one {@link DeviceLoader} per configured native
 * device (step 5). A device loader that crashes is restarted with back-off by this actor, on its own: no
 * failure of one device stops the others or the agent. Status is pushed up by the children and kept here.
 */
public final class DatapathLoader {
    public sealed interface Command permits GetStatus, DetachAll, DeviceUpdated {}

    public record GetStatus(ActorRef<List<DeviceLoader.Status>> replyTo) implements Command {}

    /** Detaches the prefilter from every device (uninstall); replies when all have answered. */
    public record DetachAll(ActorRef<List<DeviceLoader.Status>> replyTo) implements Command {}

    record DeviceUpdated(DeviceLoader.Status status) implements Command {}

    private DatapathLoader() {
    }

    public static Behavior<Command> create(AgentConfig config, MapRegistry.Handles maps) {
        return Behaviors.setup(ctx -> {
            Path headers = config.headerDir();
            ConfigHeaders.writeNode(headers, maps.specs(), config.nodeHeader());
            ObjectLoader loader = new ObjectLoader(new ObjectCache(config.objectCacheDir(), new Clang()), config.bpfDir());
            ActorRef<DeviceLoader.Status> updates = ctx.messageAdapter(DeviceLoader.Status.class, DeviceUpdated::new);
            Map<String, ActorRef<DeviceLoader.Command>> children = new LinkedHashMap<>();
            Map<String, DeviceLoader.Status> status = new LinkedHashMap<>();
            int i = 0;
            for (AgentConfig.Device d : config.devices()) {
                Behavior<DeviceLoader.Command> child = Behaviors.supervise(DeviceLoader.create(d, config, loader,
                                List.of(headers), maps.prefilterMaps(), updates))
                        .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
                children.put(d.label(), ctx.spawn(child, "device-" + i++,
                        DispatcherSelector.fromConfig("membrane-blocking-dispatcher")));
                status.put(d.label(), null);
            }
            return Behaviors.receive(Command.class)
                    .onMessage(DeviceUpdated.class, u -> {
                        status.put(u.status().device(), u.status());
                        return Behaviors.same();
                    })
                    .onMessage(GetStatus.class, g -> {
                        List<DeviceLoader.Status> out = new ArrayList<>();
                        status.forEach((name, s) -> out.add(s != null ? s : pending(name)));
                        g.replyTo().tell(out);
                        return Behaviors.same();
                    })
                    .onMessage(DetachAll.class, d -> {
                        // Children answer through their own replies; collect them with a small aggregator.
                        ActorRef<DeviceLoader.Status> collector = ctx.spawnAnonymous(
                                collect(children.size(), d.replyTo()));
                        children.values().forEach(c -> c.tell(new DeviceLoader.Detach(collector)));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static DeviceLoader.Status pending(String name) {
        return new DeviceLoader.Status(name, "pending", java.util.Optional.empty(), java.util.OptionalInt.empty(),
                java.util.Optional.empty(), 0, java.util.Optional.empty());
    }

    private static Behavior<DeviceLoader.Status> collect(int expected, ActorRef<List<DeviceLoader.Status>> replyTo) {
        if (expected == 0) {
            replyTo.tell(List.of());
            return Behaviors.stopped();
        }
        List<DeviceLoader.Status> got = new ArrayList<>();
        return Behaviors.receive(DeviceLoader.Status.class)
                .onMessage(DeviceLoader.Status.class, s -> {
                    got.add(s);
                    if (got.size() == expected) {
                        replyTo.tell(List.copyOf(got));
                        return Behaviors.stopped();
                    }
                    return Behaviors.same();
                })
                .build();
    }
}
