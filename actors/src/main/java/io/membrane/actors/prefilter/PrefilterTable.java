package io.membrane.actors.prefilter;

import io.membrane.datapath.structs.PrefilterFlag;
import io.membrane.maps.BpfException;
import io.membrane.maps.Errno;
import io.membrane.maps.KeyValueMap;
import io.membrane.maps.UpdateFlag;
import io.membrane.maps.net.Cidr;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The prefilter's four CIDR maps as one deny list. Each CIDR goes to the map its family and length call for —
 * a host address (/32, /128) to the exact-match hash, any other prefix to the LPM trie — the choice Cilium
 * makes. A batch is all-or-nothing: it is validated whole before any write, and if the kernel refuses an
 * element part-way every entry this batch already wrote (or removed) is put back, so the maps end exactly as
 * they were. Not thread-safe: the Prefilter actor is its only user.
 */
public final class PrefilterTable {
    private final KeyValueMap<Ipv4Prefix, PrefilterFlag> fix4;
    private final KeyValueMap<Ipv4Prefix, PrefilterFlag> dyn4;
    private final KeyValueMap<Ipv6Prefix, PrefilterFlag> fix6;
    private final KeyValueMap<Ipv6Prefix, PrefilterFlag> dyn6;
    private final boolean enableIpv4;
    private final boolean enableIpv6;
    private final Set<Cidr> entries = new HashSet<>();

    public PrefilterTable(KeyValueMap<Ipv4Prefix, PrefilterFlag> fix4, KeyValueMap<Ipv4Prefix, PrefilterFlag> dyn4,
                          KeyValueMap<Ipv6Prefix, PrefilterFlag> fix6, KeyValueMap<Ipv6Prefix, PrefilterFlag> dyn6,
                          boolean enableIpv4, boolean enableIpv6) {
        this.fix4 = fix4;
        this.dyn4 = dyn4;
        this.fix6 = fix6;
        this.dyn6 = dyn6;
        this.enableIpv4 = enableIpv4;
        this.enableIpv6 = enableIpv6;
    }

    /** Reads back what the pinned maps hold (after an agent restart) and makes it the table's state. */
    public Set<Cidr> restore() {
        entries.clear();
        fix4.keys().forEach(p -> entries.add(new Cidr.V4(p)));
        dyn4.keys().forEach(p -> entries.add(new Cidr.V4(p)));
        fix6.keys().forEach(p -> entries.add(new Cidr.V6(p)));
        dyn6.keys().forEach(p -> entries.add(new Cidr.V6(p)));
        return Set.copyOf(entries);
    }

    /** The deny list in order: IPv4 then IPv6, by address. */
    public List<Cidr> list() {
        return List.copyOf(new TreeSet<>(entries));
    }

    public int size() {
        return entries.size();
    }

    /**
     * Adds every CIDR not already present; present ones are left as they are.
     *
     * @return how many entries were new
     * @throws PrefilterException naming the offending CIDR; the maps are unchanged
     */
    public int add(List<Cidr> cidrs) {
        validate(cidrs);
        List<Cidr> written = new ArrayList<>();
        for (Cidr c : cidrs) {
            if (entries.contains(c)) {
                continue;
            }
            try {
                write(c);
                written.add(c);
            } catch (BpfException e) {
                for (Cidr undo : written) {
                    erase(undo);
                }
                throw fromKernel(c, e, "add");
            }
        }
        entries.addAll(written);
        return written.size();
    }

    /**
     * Removes every CIDR; each must be in the list.
     *
     * @throws PrefilterException naming the first CIDR that is not there, or that the kernel refused; the maps
     *                            are unchanged
     */
    public int remove(List<Cidr> cidrs) {
        validate(cidrs);
        for (Cidr c : cidrs) {
            if (!entries.contains(c)) {
                throw new PrefilterException(PrefilterException.Reason.NOT_FOUND, c.toString(),
                        c + ": not in the deny list");
            }
        }
        List<Cidr> erased = new ArrayList<>();
        for (Cidr c : cidrs) {
            try {
                erase(c);
                erased.add(c);
            } catch (BpfException e) {
                for (Cidr undo : erased) {
                    write(undo);
                }
                throw fromKernel(c, e, "remove");
            }
        }
        cidrs.forEach(entries::remove);
        return erased.size();
    }

    private void validate(List<Cidr> cidrs) {
        if (cidrs.isEmpty()) {
            throw new PrefilterException(PrefilterException.Reason.EMPTY, "", "deny: the list is empty");
        }
        Set<Cidr> seen = new HashSet<>();
        for (Cidr c : cidrs) {
            if (!seen.add(c)) {
                throw new PrefilterException(PrefilterException.Reason.DUPLICATE, c.toString(),
                        c + ": listed more than once");
            }
            if (c instanceof Cidr.V4 && !enableIpv4) {
                throw new PrefilterException(PrefilterException.Reason.FAMILY_DISABLED, c.toString(),
                        c + ": IPv4 is disabled in this node's prefilter");
            }
            if (c instanceof Cidr.V6 && !enableIpv6) {
                throw new PrefilterException(PrefilterException.Reason.FAMILY_DISABLED, c.toString(),
                        c + ": IPv6 is disabled in this node's prefilter");
            }
        }
    }

    private void write(Cidr c) {
        if (c instanceof Cidr.V4 v4) {
            (v4.isHost() ? fix4 : dyn4).update(v4.prefix(), PrefilterFlag.DENY, UpdateFlag.ANY);
        } else if (c instanceof Cidr.V6 v6) {
            (v6.isHost() ? fix6 : dyn6).update(v6.prefix(), PrefilterFlag.DENY, UpdateFlag.ANY);
        }
    }

    private void erase(Cidr c) {
        if (c instanceof Cidr.V4 v4) {
            (v4.isHost() ? fix4 : dyn4).delete(v4.prefix());
        } else if (c instanceof Cidr.V6 v6) {
            (v6.isHost() ? fix6 : dyn6).delete(v6.prefix());
        }
    }

    private static PrefilterException fromKernel(Cidr c, BpfException e, String op) {
        boolean full = e.errno() == Errno.E2BIG || e.errno() == Errno.ENOSPC;
        return new PrefilterException(full ? PrefilterException.Reason.MAP_FULL : PrefilterException.Reason.KERNEL,
                c.toString(), c + ": cannot " + op + " (" + e.getMessage() + "); nothing in this batch was applied");
    }
}
