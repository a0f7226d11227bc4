package io.membrane.datapath;

import io.membrane.maps.BpfException;
import io.membrane.maps.Errno;
import io.membrane.maps.sys.NativeLibs;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import jnr.ffi.Pointer;

/**
 * Attaches tc (clsact) programs in direct-action mode. Every program of ours sits at handle 1, priority 1 of
 * its hook, and attaching uses BPF_TC_F_REPLACE: the kernel swaps the filter's program in one netlink request
 * (as `tc filter replace` does), so an endpoint's veth is never without its policy program.
 */
public final class Tc {
    static final int HANDLE = 1;
    static final int PRIORITY = 1;
    static final int F_REPLACE = 1;

    /** The clsact hook: ingress sees packets the device receives, egress those it sends. */
    public enum Hook {
        INGRESS(1),
        EGRESS(2);

        final int attachPoint;

        Hook(int attachPoint) {
            this.attachPoint = attachPoint;
        }
    }

    private Tc() {}

    /** Creates clsact if needed and attaches (or atomically replaces) our program on {@code hook}. */
    public static void attach(int ifindex, Hook hook, Program program) {
        ByteBuffer h = hook(ifindex, hook);
        int rc = NativeLibs.bpf().bpf_tc_hook_create(ptr(h));
        if (rc < 0 && !Errno.EEXIST.is(rc)) {
            throw new BpfException(rc, "create clsact on ifindex " + ifindex, program.name());
        }
        ByteBuffer o = opts();
        o.putInt(8, program.fd());
        o.putInt(12, F_REPLACE);
        rc = NativeLibs.bpf().bpf_tc_attach(ptr(h), ptr(o));
        Reference.reachabilityFence(h);
        Reference.reachabilityFence(o);
        BpfException.check(rc, "attach tc " + hook.name().toLowerCase() + " on ifindex " + ifindex, program.name());
    }

    /** The id of the program at our handle and priority, or empty if none is attached there. */
    public static Optional<Integer> query(int ifindex, Hook hook) {
        ByteBuffer h = hook(ifindex, hook);
        ByteBuffer o = opts();
        int rc = NativeLibs.bpf().bpf_tc_query(ptr(h), ptr(o));
        Reference.reachabilityFence(h);
        if (nothingAttached(rc)) {
            return Optional.empty();
        }
        BpfException.check(rc, "query tc " + hook.name().toLowerCase(), "ifindex " + ifindex);
        return Optional.of(o.getInt(16));
    }

    /** Removes our filter from {@code hook}; returns false if there was none. */
    public static boolean detach(int ifindex, Hook hook) {
        ByteBuffer h = hook(ifindex, hook);
        ByteBuffer o = opts();
        int rc = NativeLibs.bpf().bpf_tc_detach(ptr(h), ptr(o));
        Reference.reachabilityFence(h);
        Reference.reachabilityFence(o);
        if (nothingAttached(rc)) {
            return false;
        }
        BpfException.check(rc, "detach tc " + hook.name().toLowerCase(), "ifindex " + ifindex);
        return true;
    }

    /** ENOENT: no filter at our handle; EINVAL: the device has no clsact qdisc at all. */
    private static boolean nothingAttached(int rc) {
        return Errno.ENOENT.is(rc) || Errno.EINVAL.is(rc);
    }

    /** {@code struct bpf_tc_hook} (24 bytes): sz@0, ifindex@8, attach_point@12, parent@16. */
    private static ByteBuffer hook(int ifindex, Hook hook) {
        ByteBuffer h = ByteBuffer.allocateDirect(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(0, 24);
        h.putInt(8, ifindex);
        h.putInt(12, hook.attachPoint);
        return h;
    }

    /** {@code struct bpf_tc_opts} (32 bytes): sz@0, prog_fd@8, flags@12, prog_id@16, handle@20, priority@24. */
    private static ByteBuffer opts() {
        ByteBuffer o = ByteBuffer.allocateDirect(32).order(ByteOrder.LITTLE_ENDIAN);
        o.putLong(0, 32);
        o.putInt(20, HANDLE);
        o.putInt(24, PRIORITY);
        return o;
    }

    private static Pointer ptr(ByteBuffer b) {
        return Pointer.wrap(NativeLibs.runtime(), b);
    }
}
