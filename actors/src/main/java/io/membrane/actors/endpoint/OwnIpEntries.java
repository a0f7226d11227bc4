package io.membrane.actors.endpoint;

import io.membrane.actors.ipcache.IpCache;
import io.membrane.maps.net.Cidr;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Where an endpoint's addresses go with its identity: the node's own ipcache entries, which a clustered node
 * publishes to every node (and which go with the node when it leaves); an agent alone writes them to its own
 * ipcache only.
 */
@FunctionalInterface
public interface OwnIpEntries {
    /** Publishes {@code entries} (CIDR to identity) and withdraws {@code withdrawn}; completes once they hold. */
    CompletionStage<IpCache.Result> publish(Map<Cidr, Integer> entries, Set<Cidr> withdrawn);
}
