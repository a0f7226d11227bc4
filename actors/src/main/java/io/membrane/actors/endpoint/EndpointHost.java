package io.membrane.actors.endpoint;

import io.membrane.datapath.structs.EndpointConfig;
import io.membrane.maps.net.Ipv4Prefix;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;

/**
 * The node's side of the endpoints, where their devices live: what an Endpoint actor asks of the kernel. Every
 * method but {@link #run} and {@link #ifindex} blocks and must be called from work given to {@link #run}, which runs it in the network
 * namespace of the host-side veths (the agent's own, or the one a test or the lab names). An actor test puts a
 * wrapper around the kernel's to make a step fail.
 */
public interface EndpointHost extends AutoCloseable {
    /** Runs {@code work} where the endpoints' devices are, off the calling thread. */
    <T> CompletionStage<T> run(Callable<T> work);

    /** Makes the endpoints' gateway if it is not there (idempotent). */
    void ensureGateway();

    /**
     * The interface index of {@code name}, empty if there is no such device. Callable from any thread, and never
     * queued behind kernel work: a create's checks and the interface watch must not wait for regenerations.
     */
    CompletionStage<OptionalInt> ifindex(String name);

    /**
     * Programs a new endpoint: policy map, program, links, lxc entry, route. Nothing is left if a step fails.
     *
     * @param device the host-side veth (its route's device)
     */
    Programmed program(EndpointConfig config, Ipv4Prefix ipv4, String device);

    /** Whether an earlier run left endpoint {@code endpointId} programmed (its links pinned). */
    boolean pinned(int endpointId);

    /** Takes over the pinned endpoint; its traffic keeps flowing throughout. */
    Programmed restore(EndpointConfig config, Ipv4Prefix ipv4, String device);

    /** Removes what a failed or interrupted run left of {@code endpointId} without a handle (pins, entry, route). */
    void removeLeftovers(int endpointId, Ipv4Prefix ipv4);

    /** The key of the object the template compiles to now (see {@link Programmed#programKey}). */
    String templateKey();

    /** One endpoint's programs and maps, as held by its actor. */
    interface Programmed {
        /** The compiled template's key this process loaded; "" for a restored endpoint not regenerated yet. */
        String programKey();

        /** The device its links are attached to, as the kernel reports it (0: none). */
        int attachedIfindex();

        /** Reloads with {@code next}'s constants; the links move in one step each. */
        void regenerate(EndpointConfig next);

        EndpointConfig config();

        /** Takes the endpoint out of the kernel (links, maps, lxc entry, route); idempotent. */
        void remove();

        /** Lets go of the handles; what is pinned stays, and traffic with it. */
        void close();
    }

    @Override
    void close();
}
