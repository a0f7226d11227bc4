package io.membrane.cluster.wire;

import io.membrane.cluster.ddata.CidrSet;
import io.membrane.cluster.ddata.LwwDotMap;
import io.membrane.cluster.identity.AllocateIdentities;
import io.membrane.cluster.identity.IdentitiesGranted;
import io.membrane.cluster.identity.IdentityEntry;
import io.membrane.cluster.identity.IdentityGranted;
import io.membrane.cluster.identity.IdentityUses;
import io.membrane.cluster.probe.ClusterProbe;
import io.membrane.maps.net.Cidr;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.UniqueAddress;

/** At least one sample of every class in {@link KryoRegistry}; a registered class without one fails the tests. */
final class WireSamples {
    private WireSamples() {}

    static Map<Class<?>, List<Object>> byClass() {
        Map<Class<?>, List<Object>> m = new LinkedHashMap<>();
        m.put(List.of(1).getClass(), List.of(List.of("a"), List.of("a", "b"), List.of(Cidr.parse("10.0.0.0/8"))));
        m.put(
                List.of().getClass(),
                List.of(
                        List.of(),
                        List.of("a", "b", "c"),
                        List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8::/32"), List.of("nested"))));
        m.put(
                Ipv4Prefix.class,
                List.of(
                        Ipv4Prefix.parse("203.0.113.0/24"),
                        Ipv4Prefix.parse("0.0.0.0/0"),
                        Ipv4Prefix.host("255.255.255.255")));
        m.put(
                Ipv6Prefix.class,
                List.of(
                        Ipv6Prefix.parse("2001:db8::/32"),
                        Ipv6Prefix.parse("::/0"),
                        Ipv6Prefix.host("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
        m.put(Cidr.V4.class, List.of(Cidr.parse("192.0.2.1"), Cidr.parse("198.51.100.0/24")));
        m.put(Cidr.V6.class, List.of(Cidr.parse("2001:db8::1"), Cidr.parse("fe80::/10")));
        m.put(
                NodeInfo.class,
                List.of(
                        new NodeInfo(
                                "node-1",
                                "10.0.0.1:9090",
                                "10.0.0.1",
                                "pekko://membrane@10.0.0.1:25520",
                                1_764_000_000_000L),
                        new NodeInfo("nœud-2 ✓", "", "", "pekko://membrane@:25520", 0L),
                        new NodeInfo("n", "[::1]:1", "192.0.2.7", "pekko://membrane@192.0.2.7:25520", Long.MIN_VALUE)));
        m.put(
                ForwardedPrefilterChange.class,
                List.of(
                        new ForwardedPrefilterChange(List.of("10.0.0.0/8", "2001:db8::/32"), true, 42L),
                        new ForwardedPrefilterChange(new ArrayList<>(List.of("192.0.2.1")), false, -1L),
                        new ForwardedPrefilterChange(List.of(), true, Long.MAX_VALUE)));
        m.put(
                ForwardedPrefilterResult.class,
                List.of(
                        new ForwardedPrefilterResult(42L, 200, "{\"added\":2}"),
                        new ForwardedPrefilterResult(0L, 400, "")));
        m.put(
                IpClaim.class,
                List.of(
                        new IpClaim("198.51.100.0/24", "", "", "user:app=db", 256, 1_764_000_000_000L),
                        new IpClaim("10.0.1.7/32", "n2", "pekko://membrane@10.0.0.2:25520", "", 300, 0L),
                        new IpClaim("2001:db8::/64", "", "", "", 16_777_217, Long.MIN_VALUE)));
        UniqueAddress a = new UniqueAddress(new Address("pekko", "membrane", "10.0.0.1", 25520), 7L);
        UniqueAddress b = new UniqueAddress(new Address("pekko", "membrane", "10.0.0.2", 25520), -3L);
        CidrSet s = CidrSet.empty()
                .addAll(a, List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8::1"), Cidr.parse("192.0.2.7")));
        CidrSet t = CidrSet.empty().add(b, Cidr.parse("10.0.0.0/8")).add(b, Cidr.parse("0.0.0.0/0"));
        m.put(
                CidrSet.class,
                List.of(CidrSet.empty(), s, s.mergeData(t), s.mergeData(t).remove(Cidr.parse("192.0.2.7"))));
        m.put(
                IdentityGranted.class,
                List.of(
                        new IdentityGranted("user:app=web", 256, ""),
                        new IdentityGranted("user:app=db", 0, "every cluster identity is held")));
        m.put(IdentityEntry.class, List.of(new IdentityEntry("user:app=web,user:env=prod"), new IdentityEntry("")));
        m.put(
                IdentityUses.class,
                List.of(
                        new IdentityUses("n1", new int[0]),
                        new IdentityUses("n2", new int[] {65535, 256, 300}),
                        new IdentityUses("nœud ✓", new int[] {1 << 24 | 5})));
        m.put(
                ClusterProbe.Ping.class,
                List.of(
                        new ClusterProbe.Ping(1, "pekko://membrane@10.0.0.1:25520/user/agent/cluster-probe#1"),
                        new ClusterProbe.Ping(Long.MAX_VALUE, "")));
        m.put(ClusterProbe.Pong.class, List.of(new ClusterProbe.Pong(1), new ClusterProbe.Pong(Long.MIN_VALUE)));
        org.apache.pekko.cluster.ddata.SelfUniqueAddress sa = new org.apache.pekko.cluster.ddata.SelfUniqueAddress(a);
        org.apache.pekko.cluster.ddata.SelfUniqueAddress sb = new org.apache.pekko.cluster.ddata.SelfUniqueAddress(b);
        m.put(
                LwwDotMap.class,
                List.of(
                        LwwDotMap.empty(),
                        LwwDotMap.<Integer, IdentityEntry>empty()
                                .put(sa, 256, new IdentityEntry("user:app=web"))
                                .put(sa, 65535, new IdentityEntry("user:app=db"))
                                .mergeData(LwwDotMap.<Integer, IdentityEntry>empty()
                                        .put(sb, 300, new IdentityEntry(""))),
                        LwwDotMap.<String, IpClaim>empty()
                                .put(sa, "10.0.1.7/32", new IpClaim("10.0.1.7/32", "", "", "user:app=db", 256, 1L))
                                .remove(sa, "10.0.1.7/32")
                                .put(sb, "2001:db8::/64", new IpClaim("2001:db8::/64", "n2", "x", "", 300, 0L)),
                        LwwDotMap.<String, IdentityUses>empty()
                                .put(sa, "pekko://membrane@10.0.0.1:25520#7", new IdentityUses("n1", new int[] {256
                                }))));
        m.put(
                AllocateIdentities.class,
                List.of(
                        new AllocateIdentities(
                                List.of("user:app=web,user:env=prod", "user:app=db"),
                                "pekko://membrane@10.0.0.1:25520/user/x#1"),
                        new AllocateIdentities(List.of(), "")));
        m.put(
                IdentitiesGranted.class,
                List.of(
                        new IdentitiesGranted(List.of(
                                new IdentityGranted("user:app=web", 256, ""),
                                new IdentityGranted("user:app=db", 0, "every cluster identity is held"))),
                        new IdentitiesGranted(List.of())));
        return m;
    }

    static List<Object> messages() {
        return byClass().values().stream()
                .flatMap(List::stream)
                .filter(o -> o instanceof WireMessage)
                .toList();
    }
}
