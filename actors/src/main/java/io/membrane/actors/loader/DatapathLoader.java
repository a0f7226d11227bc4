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
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Writes the generated headers (start-up step 4) and runs one {@link DeviceLoader} per configured native
 * device (step 5). A device loader that crashes is restarted with back-off by this actor, on its own: no
 * failure of one device stops the others or the agent. Status is pushed up by the children and kept here.
 */
public final class DatapathLoader {
    public sealed interface Command permits GetStatus, DetachAll, Internal {}

    private sealed interface Internal extends Command permits DeviceUpdated {}

    public record GetStatus(ActorRef<List<DeviceLoader.Status>> replyTo) implements Command {}

    /** Detaches the prefilter from every device (uninstall); replies when all have answered. */
    public record DetachAll(ActorRef<List<DeviceLoader.Status>> replyTo) implements Command {}

    /** A device loader's status, pushed up whenever it changes. */
    private record DeviceUpdated(DeviceLoader.Status status) implements Internal {}

    private final ActorContext<Command> ctx;
    private final Map<String, ActorRef<DeviceLoader.Command>> children = new LinkedHashMap<>();
    /** Each device's last status, in configuration order. */
    private final Map<String, DeviceLoader.Status> status = new LinkedHashMap<>();

    private DatapathLoader(ActorContext<Command> ctx) {
        this.ctx = ctx;
    }

    public static Behavior<Command> create(AgentConfig config, MapRegistry.Handles maps) {
        return Behaviors.setup(ctx -> {
            DatapathLoader parent = new DatapathLoader(ctx);
            parent.spawnDevices(config, maps);
            return parent.running();
        });
    }

    private void spawnDevices(AgentConfig config, MapRegistry.Handles maps) {
        Path headers = config.headerDir();
        ConfigHeaders.writeNode(headers, maps.specs(), config.nodeHeader());
        ObjectLoader loader = new ObjectLoader(new ObjectCache(config.objectCacheDir(), new Clang()), config.bpfDir());
        ActorRef<DeviceLoader.Status> updates = ctx.messageAdapter(DeviceLoader.Status.class, DeviceUpdated::new);
        int i = 0;
        for (AgentConfig.Device d : config.devices()) {
            // Restarted on its own with back-off: one device's failure never stops the others.
            Behavior<DeviceLoader.Command> child = Behaviors.supervise(
                            DeviceLoader.create(d, config, loader, List.of(headers), maps.prefilterMaps(), updates))
                    .onFailure(
                            SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
            children.put(
                    d.label(),
                    ctx.spawn(child, "device-" + i++, DispatcherSelector.fromConfig("membrane-blocking-dispatcher")));
            status.put(d.label(), DeviceLoader.Status.pending(d.label()));
        }
    }

    private Behavior<Command> running() {
        return Behaviors.receive(Command.class)
                .onMessage(DeviceUpdated.class, this::onDeviceUpdated)
                .onMessage(GetStatus.class, this::onGetStatus)
                .onMessage(DetachAll.class, this::onDetachAll)
                .build();
    }

    private Behavior<Command> onDeviceUpdated(DeviceUpdated updated) {
        status.put(updated.status().device(), updated.status());
        return Behaviors.same();
    }

    private Behavior<Command> onGetStatus(GetStatus get) {
        get.replyTo().tell(List.copyOf(status.values()));
        return Behaviors.same();
    }

    private Behavior<Command> onDetachAll(DetachAll detach) {
        // Children answer through their own replies; collect them with a small aggregator.
        ActorRef<DeviceLoader.Status> collector = ctx.spawnAnonymous(collect(children.size(), detach.replyTo()));
        children.values().forEach(c -> c.tell(new DeviceLoader.Detach(collector)));
        return Behaviors.same();
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
