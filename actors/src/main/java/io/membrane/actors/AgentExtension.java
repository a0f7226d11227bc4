package io.membrane.actors;

import io.membrane.actors.api.AdminRoutes;
import io.membrane.actors.api.ClusterHooks;
import java.util.Optional;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Lets a module above the agent (the cluster) add its actors to a node once the agent's own actors run, and
 * extend the admin API. It runs inside the agent guardian, so what it spawns is supervised with the rest.
 */
@FunctionalInterface
public interface AgentExtension {
    /** No extension: a node on its own. */
    AgentExtension NONE = (ctx, targets) -> Optional.empty();

    /**
     * @param targets the agent's parts (without cluster hooks yet)
     * @return the hooks the API should offer, if any
     */
    Optional<ClusterHooks> start(ActorContext<Agent.Command> ctx, AdminRoutes.Targets targets);
}
