package io.membrane.actors.endpoint;

import io.membrane.actors.ipcache.IpCache;
import io.membrane.actors.ipcache.IpCacheEntry;
import io.membrane.maps.net.Cidr;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The own entries of an agent without a cluster: straight into its IpCache as endpoint claims of this node, since
 * no other node is there to hear of them.
 */
public final class LocalOwnEntries implements OwnIpEntries {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final ActorRef<IpCache.Command> ipcache;
    private final String node;
    private final Scheduler scheduler;

    public LocalOwnEntries(ActorRef<IpCache.Command> ipcache, String node, Scheduler scheduler) {
        this.ipcache = ipcache;
        this.node = node;
        this.scheduler = scheduler;
    }

    @Override
    public CompletionStage<IpCache.Result> publish(Map<Cidr, Integer> entries, Set<Cidr> withdrawn) {
        long now = System.currentTimeMillis();
        Map<Cidr, List<IpCacheEntry>> claims = new HashMap<>();
        entries.forEach((cidr, id) ->
                claims.put(cidr, List.of(new IpCacheEntry(cidr, id, node, IpCacheEntry.Source.ENDPOINT, now))));
        withdrawn.forEach(cidr -> claims.putIfAbsent(cidr, List.of()));
        return AskPattern.ask(ipcache, r -> new IpCache.Adjust(claims, r), TIMEOUT, scheduler);
    }
}
