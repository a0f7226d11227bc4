package io.membrane.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.net.Cidr;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The bridge's view of the replicated list: adds only while the start-up read goes on, the whole list at the
 * first mirror and after a failure, then only what changed in the shards that changed.
 */
class ReplicatedDenyListTest {
    private static final Cidr A = Cidr.parse("10.1.0.0/16");
    private static final Cidr B = Cidr.parse("198.51.100.7");
    private static final Cidr C = Cidr.parse("2001:db8::/32");

    private static int shard(Cidr c) {
        return PrefilterReplication.shardOf(c);
    }

    @Test
    void earlyAddsComeOnlyFromShardsReadAndOnlyOnce() {
        ReplicatedDenyList list = new ReplicatedDenyList();
        list.record(shard(A), Set.of(A));
        list.record(shard(B), Set.of(B));
        assertEquals(Set.of(A), list.earlyAdds(Set.of(shard(A))), "B's shard is not read from a majority yet");
        assertEquals(Set.of(), list.earlyAdds(Set.of(shard(A))), "A was handed out already");
        assertEquals(Set.of(B), list.earlyAdds(Set.of(shard(A), shard(B))));
        assertTrue(list.contains(A) && list.contains(B) && !list.contains(C));
        assertEquals(2, list.listed());
    }

    @Test
    void theFirstMirrorIsTheWholeListThenOnlyWhatChanged() {
        ReplicatedDenyList list = new ReplicatedDenyList();
        list.record(shard(A), Set.of(A));
        list.record(shard(B), Set.of(B));
        assertEquals(new ReplicatedDenyList.Full(Set.of(A, B)), list.nextMirror());
        assertEquals(new ReplicatedDenyList.Delta(Set.of(), Set.of()), list.nextMirror(), "nothing changed since");

        list.apply(List.of(C), true);
        list.apply(List.of(B), false);
        assertEquals(new ReplicatedDenyList.Delta(Set.of(C), Set.of(B)), list.nextMirror());
        assertFalse(list.contains(B));

        list.mirrorFailed();
        assertEquals(new ReplicatedDenyList.Full(Set.of(A, C)), list.nextMirror(), "after a failure: everything");
    }

    @Test
    void aTouchedShardIsComparedAgainWithoutANewValue() {
        ReplicatedDenyList list = new ReplicatedDenyList();
        list.record(shard(A), Set.of(A));
        list.nextMirror();
        list.touch(shard(A));
        assertEquals(new ReplicatedDenyList.Delta(Set.of(), Set.of()), list.nextMirror(), "same value: no delta");
    }
}
