package io.membrane.datapath;

import io.membrane.maps.BpfException;
import io.membrane.maps.sys.NativeLibs;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Pointer;

/**
 * BPF_PROG_TEST_RUN: runs a loaded program on a packet in the kernel, {@code repeat} times, without a device.
 * The kernel reports the program's return code and the mean duration per run, which is how the benchmarks
 * measure nanoseconds per packet.
 */
public final class TestRun {
    /** The return codes of XDP and tc programs ({@code enum xdp_action}, {@code TC_ACT_*}) a run reports. */
    public static final int XDP_DROP = 1;

    public static final int XDP_PASS = 2;
    public static final int TC_ACT_OK = 0;
    public static final int TC_ACT_SHOT = 2;

    /** sizeof(struct bpf_test_run_opts) in libbpf 1.1. */
    private static final int OPTS_SIZE = 80;

    /** The verdict of the last run, the mean kernel time per run, and the packet as the program left it. */
    public record Result(int returnCode, long nanosPerRun, byte[] packetOut) {}

    private TestRun() {}

    public static Result run(Program program, byte[] packet, int repeat) {
        ByteBuffer in = ByteBuffer.allocateDirect(packet.length);
        in.put(0, packet);
        ByteBuffer out = ByteBuffer.allocateDirect(packet.length + 256);
        ByteBuffer opts = ByteBuffer.allocateDirect(OPTS_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        opts.putLong(0, OPTS_SIZE);
        opts.putLong(8, Pointer.wrap(NativeLibs.runtime(), in).address());
        opts.putLong(16, Pointer.wrap(NativeLibs.runtime(), out).address());
        opts.putInt(24, packet.length);
        opts.putInt(28, out.capacity());
        opts.putInt(60, repeat);
        int rc = NativeLibs.bpf().bpf_prog_test_run_opts(program.fd(), Pointer.wrap(NativeLibs.runtime(), opts));
        Reference.reachabilityFence(in);
        Reference.reachabilityFence(out);
        BpfException.check(rc, "test run", program.name());
        int outLen = Math.min(opts.getInt(28), out.capacity());
        byte[] outBytes = new byte[outLen];
        out.get(0, outBytes);
        return new Result(opts.getInt(56), Integer.toUnsignedLong(opts.getInt(64)), outBytes);
    }
}
