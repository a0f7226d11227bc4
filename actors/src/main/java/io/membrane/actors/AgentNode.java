package io.membrane.actors;

import io.membrane.actors.api.AdminListeners;
import io.membrane.actors.api.AdminRoutes;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running agent in this JVM: an actor system named after the node with the {@link Agent} as guardian.
 * {@link #start} returns once the API is bound (or throws why not); {@link #close} stops the agent and leaves
 * the datapath attached and the maps pinned, as stopping the real agent does.
 */
public final class AgentNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentNode.class);
    /** How long {@link #close} waits for the API to unbind and for the actor system to stop. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final ActorSystem<Agent.Command> system;
    private final AdminListeners listeners;
    private final AgentConfig config;

    private AgentNode(ActorSystem<Agent.Command> system, AdminListeners listeners, AgentConfig config) {
        this.system = system;
        this.listeners = listeners;
        this.config = config;
    }

    public static AgentNode start(AgentConfig config) {
        return start(config, AgentExtension.NONE);
    }

    public static AgentNode start(AgentConfig config, AgentExtension extension) {
        CompletableFuture<AdminListeners> started = new CompletableFuture<>();
        ActorSystem<Agent.Command> system =
                ActorSystem.create(Agent.create(config, started, extension), "membrane", config.raw());
        try {
            return new AgentNode(system, started.get(120, TimeUnit.SECONDS), config);
        } catch (ExecutionException e) {
            system.terminate();
            Throwable cause = e.getCause();
            throw new IllegalStateException("agent did not start: " + cause.getMessage(), cause);
        } catch (TimeoutException | InterruptedException e) {
            system.terminate();
            throw new IllegalStateException("agent did not start within 120 s", e);
        }
    }

    /** The full API's target for {@link io.membrane.actors.api.client.AdminClient#connect}: its unix socket. */
    public String apiBase() {
        return "unix:" + listeners.socket().path();
    }

    /** The plain TCP listener: only /metrics and /v1/healthz. */
    public InetSocketAddress metricsAddress() {
        return listeners.readOnlyAddress();
    }

    public AdminListeners listeners() {
        return listeners;
    }

    public AgentConfig config() {
        return config;
    }

    public ActorSystem<Agent.Command> system() {
        return system;
    }

    /** The agent's parts (actor refs and map handles), for tests and tools in this JVM. */
    public AdminRoutes.Targets targets() {
        return AskPattern.<Agent.Command, AdminRoutes.Targets>ask(
                        system, Agent.GetTargets::new, Duration.ofSeconds(5), system.scheduler())
                .toCompletableFuture()
                .join();
    }

    /** Waits until the actor system has stopped. */
    public void awaitTermination() {
        system.getWhenTerminated().toCompletableFuture().join();
    }

    /**
     * Stops the agent: removes the API socket, unbinds the TCP listeners and terminates the actor system, waiting at most {@link #CLOSE_TIMEOUT}.
     * Pekko 1.7.0 can hang while flushing its remote transports (apache/pekko#3247, fixed after 1.7.0), and an
     * agent that never stops on Ctrl-C is worse than one that stops with a warning; the datapath stays either way.
     */
    @Override
    public void close() {
        awaitClosing(listeners.unbind(), "admin API did not unbind");
        system.terminate();
        awaitClosing(system.getWhenTerminated(), "actor system did not stop");
    }

    private static void awaitClosing(CompletionStage<?> step, String failure) {
        try {
            step.toCompletableFuture().get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("{} within {} s ({}); leaving it", failure, CLOSE_TIMEOUT.toSeconds(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
