package io.membrane.actors.loader;

import io.membrane.actors.AgentConfig;
import io.membrane.datapath.Xdp;
import io.membrane.datapath.net.Devices;
import io.membrane.datapath.net.Netns;
import java.nio.file.Files;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/**
 * Takes the XDP program off one configured device, inside the device's network namespace: the one routine behind
 * a {@link DeviceLoader}'s Detach and {@code membrane uninstall}, which runs with no agent. It detaches in the mode
 * the kernel reports (a program attached by an agent with another configuration comes off too), and a namespace
 * or device that is gone has nothing attached, which is not an error: uninstall must get past a lab already torn
 * down.
 */
public final class XdpDetach {
    private XdpDetach() {}

    /**
     * @return true if a program was detached, false if the device carried none (or does not exist)
     * @throws RuntimeException if the kernel refuses to detach or to be asked
     */
    public static boolean detach(AgentConfig.Device device) {
        if (device.netns().isPresent()
                && !Files.exists(Netns.path(device.netns().get()))) {
            return false;
        }
        return inNetns(device, () -> {
            OptionalInt ifindex = Devices.ifindex(device.name());
            if (ifindex.isEmpty()) {
                return false;
            }
            Xdp.Status attached = Xdp.query(ifindex.getAsInt());
            if (attached.programId() == 0) {
                return false;
            }
            Xdp.detach(ifindex.getAsInt(), attached.mode().orElse(device.mode()));
            return true;
        });
    }

    /** Runs {@code work} in the device's namespace (or this one); checked exceptions come out unchecked. */
    static <T> T inNetns(AgentConfig.Device device, Callable<T> work) {
        if (device.netns().isPresent()) {
            return Netns.call(device.netns().get(), work);
        }
        try {
            return work.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
