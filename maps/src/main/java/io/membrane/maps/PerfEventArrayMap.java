package io.membrane.maps;

import io.membrane.maps.layout.Layout;

/**
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY: slot i holds the perf event (a BPF output event opened on CPU i) that
 * bpf_perf_event_output writes to when the program runs on CPU i. The kernel does not let user space read the
 * slots back, so this map only sets and clears them; reading events is the perf buffer's job.
 */
public final class PerfEventArrayMap extends BpfMap<Integer, Integer> {
    PerfEventArrayMap(MapSpec<PerfEventArrayMap> spec, int fd) {
        super(spec, fd, Layout.U32, Layout.U32);
    }

    /** Points CPU {@code cpu}'s slot at an open perf event. */
    public void set(int cpu, int perfEventFd) {
        doUpdateFd(cpu, perfEventFd, "set perf event");
    }

    /** Empties a slot; returns false if it was empty. */
    public boolean clear(int cpu) {
        return delete(cpu);
    }
}
