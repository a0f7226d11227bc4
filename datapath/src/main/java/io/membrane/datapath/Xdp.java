package io.membrane.datapath;

import io.membrane.maps.BpfException;
import io.membrane.maps.sys.NativeLibs;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import jnr.ffi.Pointer;

/**
 * Attaches XDP programs to a device of the calling thread's network namespace. Attaching over an existing
 * program in the same mode is one atomic swap in the kernel (dev_xdp_install replaces the pointer), so a
 * device being re-attached never passes a packet without a program; with {@code expectedOld} the swap only
 * happens if that program is still the attached one (XDP_FLAGS_REPLACE).
 */
public final class Xdp {
    static final int FLAGS_UPDATE_IF_NOEXIST = 1;
    static final int FLAGS_SKB_MODE = 2;
    static final int FLAGS_DRV_MODE = 4;
    static final int FLAGS_REPLACE = 16;

    /** Where the program runs: in the driver (native) or after the stack built an skb (generic). */
    public enum Mode {
        NATIVE(FLAGS_DRV_MODE, 1),
        GENERIC(FLAGS_SKB_MODE, 2);

        final int flag;
        final int attachMode;

        Mode(int flag, int attachMode) {
            this.flag = flag;
            this.attachMode = attachMode;
        }
    }

    /** What is attached to a device: the program id in each mode (0 for none). */
    public record Status(int ifindex, int nativeProgramId, int genericProgramId) {
        public Optional<Mode> mode() {
            if (nativeProgramId != 0) {
                return Optional.of(Mode.NATIVE);
            }
            return genericProgramId != 0 ? Optional.of(Mode.GENERIC) : Optional.empty();
        }

        public int programId() {
            return nativeProgramId != 0 ? nativeProgramId : genericProgramId;
        }
    }

    private Xdp() {}

    /** Attaches {@code program}, replacing atomically whatever program is attached in the same mode. */
    public static void attach(int ifindex, Program program, Mode mode) {
        int rc = NativeLibs.bpf().bpf_xdp_attach(ifindex, program.fd(), mode.flag, null);
        BpfException.check(rc, "attach xdp (" + mode + ") to ifindex " + ifindex, program.name());
    }

    /**
     * Swaps {@code expectedOld} for {@code replacement} in one step; fails with EEXIST if another program is
     * attached by now, so two loaders cannot silently overwrite each other.
     */
    public static void replace(int ifindex, Program expectedOld, Program replacement, Mode mode) {
        ByteBuffer opts = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
        opts.putLong(0, 16); // struct bpf_xdp_attach_opts: size_t sz; int old_prog_fd
        opts.putInt(8, expectedOld.fd());
        int rc = NativeLibs.bpf()
                .bpf_xdp_attach(
                        ifindex, replacement.fd(), mode.flag | FLAGS_REPLACE, Pointer.wrap(NativeLibs.runtime(), opts));
        Reference.reachabilityFence(opts);
        BpfException.check(rc, "replace xdp on ifindex " + ifindex, replacement.name());
    }

    public static void detach(int ifindex, Mode mode) {
        int rc = NativeLibs.bpf().bpf_xdp_detach(ifindex, mode.flag, null);
        BpfException.check(rc, "detach xdp (" + mode + ") from ifindex " + ifindex, "ifindex " + ifindex);
    }

    public static Status query(int ifindex) {
        ByteBuffer opts = ByteBuffer.allocateDirect(32).order(ByteOrder.LITTLE_ENDIAN);
        opts.putLong(0, 32); // struct bpf_xdp_query_opts, libbpf 1.1 layout
        int rc = NativeLibs.bpf().bpf_xdp_query(ifindex, 0, Pointer.wrap(NativeLibs.runtime(), opts));
        Reference.reachabilityFence(opts);
        BpfException.check(rc, "query xdp", "ifindex " + ifindex);
        return new Status(ifindex, opts.getInt(12), opts.getInt(20));
    }
}
