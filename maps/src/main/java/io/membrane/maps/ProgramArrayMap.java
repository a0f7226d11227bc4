package io.membrane.maps;

import io.membrane.maps.layout.Layout;
import java.util.Optional;

/**
 * BPF_MAP_TYPE_PROG_ARRAY: the jump table of bpf_tail_call. Slots are set with a program's file descriptor;
 * the kernel reports back the program's id, which is what {@link #programId} returns.
 */
public final class ProgramArrayMap extends BpfMap<Integer, Integer> {
    ProgramArrayMap(MapSpec<ProgramArrayMap> spec, int fd) {
        super(spec, fd, Layout.U32, Layout.U32);
    }

    public void set(int index, FdOwner program) {
        doUpdateFd(index, program.fd(), "set program " + program.name() + " in");
    }

    /** The kernel id of the program in slot {@code index}, or empty if the slot is empty. */
    public Optional<Integer> programId(int index) {
        return doLookup(index);
    }

    public boolean clear(int index) {
        return delete(index);
    }
}
