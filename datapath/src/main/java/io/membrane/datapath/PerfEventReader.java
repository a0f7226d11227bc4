package io.membrane.datapath;

import io.membrane.maps.BpfException;
import io.membrane.maps.Errno;
import io.membrane.maps.PerfEventArrayMap;
import io.membrane.maps.sys.LibBpf;
import io.membrane.maps.sys.NativeLibs;
import jnr.ffi.Pointer;

/**
 * Reads the samples BPF programs write with bpf_perf_event_output, through libbpf's perf buffer: one ring per
 * CPU, opened and registered in the events map by libbpf. Samples and lost-sample counts are delivered to the
 * listener on the thread that calls {@link #poll}; the sample bytes are copied out because the ring space is
 * reused as soon as the callback returns. One thread at a time may poll a reader.
 */
public final class PerfEventReader implements AutoCloseable {
    /** Receives what the rings hold. */
    public interface Listener {
        /** One sample, copied out of CPU {@code cpu}'s ring. */
        void onSample(int cpu, byte[] data);

        /** The kernel dropped {@code count} samples on CPU {@code cpu} because its ring was full. */
        void onLost(int cpu, long count);
    }

    private final Pointer buffer;
    private final String name;
    // Strong references: libbpf keeps the native stubs of these callbacks for the life of the buffer.
    private final LibBpf.PerfSampleCallback sampleCallback;
    private final LibBpf.PerfLostCallback lostCallback;
    private boolean closed;

    /**
     * @param pagesPerCpu the ring size in pages, a power of two (Cilium uses 64)
     */
    public PerfEventReader(PerfEventArrayMap events, int pagesPerCpu, Listener listener) {
        if (Integer.bitCount(pagesPerCpu) != 1) {
            throw new IllegalArgumentException("pages per CPU must be a power of two, was " + pagesPerCpu);
        }
        this.name = events.name();
        this.sampleCallback = (ctx, cpu, data, size) -> {
            byte[] bytes = new byte[size];
            data.get(0, bytes, 0, size);
            listener.onSample(cpu, bytes);
        };
        this.lostCallback = (ctx, cpu, count) -> listener.onLost(cpu, count);
        Pointer pb =
                NativeLibs.bpf().perf_buffer__new(events.fd(), pagesPerCpu, sampleCallback, lostCallback, null, null);
        if (pb == null) {
            throw new BpfException(NativeLibs.lastLibbpfErrno(), "open perf buffer on", name);
        }
        this.buffer = pb;
    }

    /**
     * Waits up to {@code timeoutMs} for samples and delivers all that are ready.
     *
     * @return how many CPU rings had data
     */
    public int poll(int timeoutMs) {
        int rc = NativeLibs.bpf().perf_buffer__poll(buffer, timeoutMs);
        if (Errno.EINTR.is(rc)) { // a signal, not a failure
            return 0;
        }
        return BpfException.check(rc, "poll perf buffer", name);
    }

    /** Delivers whatever the rings hold now without waiting. */
    public void drain() {
        BpfException.check(NativeLibs.bpf().perf_buffer__consume(buffer), "consume perf buffer", name);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            NativeLibs.bpf().perf_buffer__free(buffer);
        }
    }
}
