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
        return mix(h, shards);
    }

    /**
     * The shard of the block of 16 addresses that holds {@code cidr}, a /28 (IPv4) or /124 (IPv6), for prefixes at
     * least that long; a shorter prefix as {@link #of}. Neighbouring addresses share a key, so a batch of a range's
     * addresses (the endpoints of one node, a block of external hosts) is a few writes, not one of every key; and
     * blocks this small still spread a range over every key, so no key grows large (a write carries a key's whole
     * value).
     */
    public static int ofBlock(Cidr cidr, int shards) {
        if (cidr instanceof Cidr.V4 v4 && v4.prefix().length() >= 28) {
            return mix((v4.prefix().address() & 0xFFFF_FFF0) * 31 + 28, shards);
        }
        if (cidr instanceof Cidr.V6 v6 && v6.prefix().length() >= 124) {
            byte[] block = v6.prefix().addressBytes();
            block[15] &= (byte) 0xF0;
            return mix(Arrays.hashCode(block) * 31 + 124, shards);
        }
        return of(cidr, shards);
    }

    private static int mix(int h, int shards) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return Math.floorMod(h, shards);
    }
}
