package io.membrane.cluster.ddata;

import io.membrane.maps.net.Cidr;
import java.util.Arrays;

/**
 * Which of a fixed set of Distributed Data keys a CIDR lives in, for every bridge that shards CIDRs over keys (the
 * deny list, the ipcache). Every node must compute the same, whatever its JDK: a record's hashCode is not specified,
 * so the hash is spelled out here (the address and length mixed by the murmur3 finalizer).
 */
public final class CidrShards {
    private CidrShards() {}

    /** The shard of {@code cidr} among {@code shards} keys. */
    public static int of(Cidr cidr, int shards) {
        int h;
        if (cidr instanceof Cidr.V4 v4) {
            h = v4.prefix().address() * 31 + v4.prefix().length();
        } else {
            Cidr.V6 v6 = (Cidr.V6) cidr;
            h = Arrays.hashCode(v6.prefix().addressBytes()) * 31 + v6.prefix().length();
        }
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return Math.floorMod(h, shards);
    }
}
