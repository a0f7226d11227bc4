package io.membrane.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.Member$;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.util.Version;
import org.junit.jupiter.api.Test;

class MembersSeenTest {
    private static final Address N3 = new Address("pekko", "membrane", "10.0.0.3", 25520);

    /** A member of incarnation {@code uid} that went from Joining through {@code path}, as Member allows. */
    private static Member member(long uid, MemberStatus... path) {
        // Member's factory is pekko-private in Scala and public in the bytecode: the events need real members.
        scala.collection.immutable.Set<String> roles =
                scala.collection.immutable.Set$.MODULE$.<String>empty().incl("dc-default");
        Member m = Member$.MODULE$.apply(new UniqueAddress(N3, uid), roles, Version.Zero());
        for (MemberStatus s : path) {
            m = m.copy(s);
        }
        return m;
    }

    @Test
    void aRemovedMemberIsGoneAtOnceAndADownedOneNoLongerCounts() {
        MembersSeen seen = new MembersSeen();
        seen.apply(new ClusterEvent.MemberUp(member(1, MemberStatus.up())));
        assertEquals(Set.of(N3.toString()), seen.addresses());

        seen.apply(new ClusterEvent.MemberExited(
                member(1, MemberStatus.up(), MemberStatus.leaving(), MemberStatus.exiting())));
        assertTrue(seen.hasMemberAt(N3.toString()), "exiting still counts, as in Cluster.state()");
        seen.apply(new ClusterEvent.MemberRemoved(
                member(1, MemberStatus.up(), MemberStatus.leaving(), MemberStatus.exiting(), MemberStatus.removed()),
                MemberStatus.exiting()));
        assertEquals(Set.of(), seen.addresses());

        seen.apply(new ClusterEvent.MemberUp(member(2, MemberStatus.up())));
        seen.apply(new ClusterEvent.MemberDowned(member(2, MemberStatus.up(), MemberStatus.down())));
        assertFalse(seen.hasMemberAt(N3.toString()));
    }

    @Test
    void theOldIncarnationsRemovalLeavesTheNewOneOnTheSameAddress() {
        MembersSeen seen = new MembersSeen();
        seen.apply(new ClusterEvent.MemberUp(member(1, MemberStatus.up())));
        seen.apply(new ClusterEvent.MemberDowned(member(1, MemberStatus.up(), MemberStatus.down())));
        seen.apply(new ClusterEvent.MemberJoined(member(2)));
        seen.apply(new ClusterEvent.MemberRemoved(
                member(1, MemberStatus.up(), MemberStatus.down(), MemberStatus.removed()), MemberStatus.down()));
        assertTrue(seen.hasMemberAt(N3.toString()));
    }
}
