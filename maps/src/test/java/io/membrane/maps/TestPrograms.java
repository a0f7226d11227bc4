package io.membrane.maps;

import io.membrane.maps.sys.NativeLibs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** Kernel objects the maps tests need as values: a trivial program and a BPF-output perf event. */
final class TestPrograms {
    private TestPrograms() {}

    /** A loaded XDP program "r0 = XDP_PASS; exit", closed with the returned owner. */
    static Handle xdpPass() {
        ByteBuffer insns = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
        insns.put(0, (byte) 0xb7).putInt(4, 2); // BPF_ALU64 | BPF_MOV | BPF_K: r0 = 2
        insns.put(8, (byte) 0x95); // BPF_JMP | BPF_EXIT
        int fd = NativeLibs.bpf()
                .bpf_prog_load(6, "mbr_test_pass", "GPL", Pointer.wrap(NativeLibs.runtime(), insns), 2, null);
        return new Handle(BpfException.check(fd, "load", "mbr_test_pass"), "mbr_test_pass");
    }

    /** perf_event_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_BPF_OUTPUT) on {@code cpu}. */
    static Handle bpfOutputEvent(int cpu) {
        Pointer attr = Memory.allocateDirect(NativeLibs.runtime(), 128);
        attr.putInt(0, 1); // type = PERF_TYPE_SOFTWARE
        attr.putInt(4, 128); // size
        attr.putLong(8, 10); // config = PERF_COUNT_SW_BPF_OUTPUT
        attr.putLong(16, 1); // sample_period
        attr.putLong(24, 1 << 10); // sample_type = PERF_SAMPLE_RAW
        attr.putInt(48, 1); // wakeup_events
        long fd = NativeLibs.libc().syscall(298, attr, -1, cpu, -1, 8 /* PERF_FLAG_FD_CLOEXEC */);
        if (fd < 0) {
            throw new BpfException(NativeLibs.lastErrno(), "perf_event_open", "cpu " + cpu);
        }
        return new Handle((int) fd, "bpf-output cpu " + cpu);
    }

    record Handle(int fd, String name) implements FdOwner, AutoCloseable {
        @Override
        public void close() {
            NativeLibs.libc().close(fd);
        }
    }
}
