package io.membrane.cluster.ddata;

import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.AbstractReplicatedData;
import org.apache.pekko.cluster.ddata.RemovedNodePruning;

/**
 * What the replicated types with dots ({@link CidrSet}, {@link LwwDotMap}) answer the same way from their version
 * vector: which nodes changed them, and whether a removed node's events are still to be pruned.
 */
abstract class DottedData<A extends DottedData<A>> extends AbstractReplicatedData<A> implements RemovedNodePruning {
    /** Every event this replica has seen. */
    public abstract Versions versions();

    @Override
    public scala.collection.immutable.Set<UniqueAddress> modifiedByNodes() {
        return versions().nodeSet();
    }

    @Override
    public boolean needPruningFrom(UniqueAddress removedNode) {
        return versions().at(removedNode) > 0;
    }
}
