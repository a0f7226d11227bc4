package io.membrane.actors.endpoint;

import io.membrane.maps.net.Ipv4Prefix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The node's IPv4 address pool for endpoints (host-scope IPAM, as Cilium's cluster-pool mode gives each node a pod
 * CIDR): hands out addresses of the pool, never one that an endpoint holds, and remembers every allocation in a
 * state file written atomically, so an agent restart neither forgets an address in use nor gives it again. The
 * network and broadcast addresses are never handed out, nor the first host address (the endpoints' gateway, which
 * the node answers for).
 *
 * <p>Allocation goes round the pool from where the last one stopped: an address that was released comes back only
 * once every other free address has been handed out, so a workload that just went does not pass its address to the
 * next one while peers may still hold flows or ipcache entries for it. The cursor is in the state file too.
 *
 * <p>Not thread-safe: one owner (the endpoint manager) changes it. Every change is on disk before it returns; a change
 * that cannot be written is not made.
 */
public final class Ipam {
    private static final String HEADER = "# membrane ipam v1";

    private final Ipv4Prefix pool;
    private final Path stateFile;
    /** Address (as an unsigned int) to the endpoint that holds it. */
    private final TreeMap<Long, String> allocated = new TreeMap<>();
    /** Where the next search starts: one past the last address handed out. */
    private long next;

    private Ipam(Ipv4Prefix pool, Path stateFile) {
        this.pool = pool;
        this.stateFile = stateFile;
        this.next = firstUsable();
    }

    /**
     * The pool and what the state file says is allocated (none if there is no file yet).
     *
     * @throws IpamException if the pool is too small, or the file is not one this class wrote for this pool
     */
    public static Ipam open(Ipv4Prefix pool, Path stateFile) {
        if (pool.length() > 30) {
            throw new IpamException(
                    IpamException.Reason.BAD_POOL,
                    pool.toString(),
                    "pod CIDR " + pool + " leaves no address for an endpoint (at most /30)");
        }
        Ipam ipam = new Ipam(pool, stateFile);
        ipam.read();
        return ipam;
    }

    public Ipv4Prefix pool() {
        return pool;
    }

    /** The endpoints' gateway: the pool's first host address. */
    public Ipv4Prefix gateway() {
        return new Ipv4Prefix((int) (base() + 1), 32);
    }

    /** Every allocation, address to owner, in address order. */
    public Map<Ipv4Prefix, String> allocations() {
        Map<Ipv4Prefix, String> out = new TreeMap<>();
        allocated.forEach((a, owner) -> out.put(new Ipv4Prefix((int) (long) a, 32), owner));
        return Collections.unmodifiableMap(out);
    }

    /** How many addresses the pool can hand out at all. */
    public int capacity() {
        return (int) (lastUsable() - firstUsable() + 1);
    }

    /**
     * The next free address, for {@code owner}.
     *
     * @throws IpamException EXHAUSTED when every address is held, STATE when the change cannot be written
     */
    public Ipv4Prefix allocate(String owner) {
        checkOwner(owner);
        long span = lastUsable() - firstUsable() + 1;
        for (long i = 0; i < span; i++) {
            long candidate = firstUsable() + Math.floorMod(next - firstUsable() + i, span);
            if (!allocated.containsKey(candidate)) {
                long before = next;
                allocated.put(candidate, owner);
                next = candidate + 1 > lastUsable() ? firstUsable() : candidate + 1;
                commit(() -> {
                    allocated.remove(candidate);
                    next = before;
                });
                return new Ipv4Prefix((int) candidate, 32);
            }
        }
        throw new IpamException(
                IpamException.Reason.EXHAUSTED,
                pool.toString(),
                "pod CIDR " + pool + " has no free address (" + allocated.size() + " held)");
    }

    /**
     * A given address, for {@code owner}; idempotent for the owner that holds it already.
     *
     * @throws IpamException OUTSIDE_POOL, RESERVED, IN_USE (by another owner), or STATE
     */
    public Ipv4Prefix allocate(Ipv4Prefix address, String owner) {
        checkOwner(owner);
        long a = Integer.toUnsignedLong(address.address());
        if (!address.isHost() || !pool.contains(address)) {
            throw new IpamException(
                    IpamException.Reason.OUTSIDE_POOL,
                    address.toString(),
                    address + " is not an address of this node's pod CIDR " + pool);
        }
        if (a < firstUsable() || a > lastUsable()) {
            throw new IpamException(
                    IpamException.Reason.RESERVED,
                    address.toString(),
                    address + " is reserved in " + pool + " (network, gateway or broadcast)");
        }
        String holder = allocated.get(a);
        if (owner.equals(holder)) {
            return address;
        }
        if (holder != null) {
            throw new IpamException(
                    IpamException.Reason.IN_USE, address.toString(), address + " is held by endpoint " + holder);
        }
        allocated.put(a, owner);
        commit(() -> allocated.remove(a));
        return address;
    }

    /** Gives an address back; nothing happens if it is not held, or held by another owner. */
    public void release(Ipv4Prefix address, String owner) {
        long a = Integer.toUnsignedLong(address.address());
        if (owner.equals(allocated.get(a))) {
            allocated.remove(a);
            commit(() -> allocated.put(a, owner));
        }
    }

    /** Who holds {@code address}, if anyone. */
    public Optional<String> holder(Ipv4Prefix address) {
        return Optional.ofNullable(allocated.get(Integer.toUnsignedLong(address.address())));
    }

    /** An owner is one word of the state file: an endpoint id is checked by the API before it gets here. */
    private static void checkOwner(String owner) {
        if (owner.isEmpty() || !owner.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
            throw new IllegalArgumentException(
                    "an address owner must be printable ASCII without spaces: '" + owner + "'");
        }
    }

    // --- the pool's bounds ---

    private long base() {
        return Integer.toUnsignedLong(pool.address());
    }

    private long firstUsable() {
        return base() + 2; // network, gateway
    }

    private long lastUsable() {
        return base() + (1L << (32 - pool.length())) - 2; // broadcast
    }

    // --- the state file ---

    /** Writes the state; if that fails, {@code undo} puts the change back and the caller hears why. */
    private void commit(Runnable undo) {
        try {
            write();
        } catch (IOException e) {
            undo.run();
            throw new IpamException(
                    IpamException.Reason.STATE,
                    stateFile.toString(),
                    "cannot write the address state " + stateFile + ": " + e.getMessage());
        }
    }

    private void write() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(HEADER);
        lines.add("pool " + pool);
        lines.add("next " + new Ipv4Prefix((int) next, 32).addressText());
        allocated.forEach(
                (a, owner) -> lines.add("address " + new Ipv4Prefix((int) (long) a, 32).addressText() + " " + owner));
        StateFiles.replace(stateFile, lines);
    }

    private void read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(stateFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new IpamException(
                    IpamException.Reason.STATE,
                    stateFile.toString(),
                    "cannot read " + stateFile + ": " + e.getMessage());
        }
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw corrupt("it does not start with '" + HEADER + "'");
        }
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(" ", 3);
            try {
                switch (f[0]) {
                    case "pool" -> {
                        if (!Ipv4Prefix.parse(f[1]).equals(pool)) {
                            throw new IpamException(
                                    IpamException.Reason.BAD_POOL,
                                    pool.toString(),
                                    "the endpoints' addresses in " + stateFile + " are from " + f[1] + ", not " + pool
                                            + ": the pod CIDR of a node with endpoints cannot change");
                        }
                    }
                    case "next" ->
                        next = Integer.toUnsignedLong(Ipv4Prefix.host(f[1]).address());
                    case "address" -> {
                        Ipv4Prefix a = Ipv4Prefix.host(f[1]);
                        if (!pool.contains(a) || f.length < 3 || f[2].isEmpty()) {
                            throw corrupt("'" + line + "' names no address of " + pool + " and its owner");
                        }
                        allocated.put(Integer.toUnsignedLong(a.address()), f[2]);
                    }
                    default -> throw corrupt("unknown line '" + line + "'");
                }
            } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
                throw corrupt("bad line '" + line + "' (" + e.getMessage() + ")");
            }
        }
        if (next < firstUsable() || next > lastUsable()) {
            next = firstUsable();
        }
    }

    private IpamException corrupt(String why) {
        return new IpamException(
                IpamException.Reason.STATE,
                stateFile.toString(),
                "the address state " + stateFile + " is unusable: " + why);
    }
}
