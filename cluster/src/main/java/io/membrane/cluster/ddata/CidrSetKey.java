package io.membrane.cluster.ddata;

import org.apache.pekko.cluster.ddata.Key;

/** The Distributed Data key of a {@link CidrSet}. */
public final class CidrSetKey extends Key<CidrSet> {
    private static final long serialVersionUID = 1L;

    public CidrSetKey(String id) {
        super(id);
    }
}
