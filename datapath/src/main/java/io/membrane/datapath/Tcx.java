package io.membrane.datapath;

import io.membrane.maps.BpfException;
import io.membrane.maps.sys.NativeLibs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A tc program held by a tcx link (kernel 6.6 and later), the attachment Cilium prefers where the kernel has it:
 * the link owns the attachment, so no other tool's filter can displace it by handle or priority, its program is
 * replaced in one step ({@code BPF_LINK_UPDATE}), and pinned in bpffs it outlives the agent. Closing the link's fd
 * leaves a pinned link attached; {@link #detach} removes the attachment whatever holds the link. tcx programs run
 * before the clsact filters of the same hook.
 */
public final class Tcx implements AutoCloseable {
    /** BPF_LINK_TYPE_TCX. */
    static final int LINK_TYPE_TCX = 11;
    /** {@code struct bpf_link_info}: type, id, prog_id, then (8-aligned) the tcx member {ifindex, attach_type}. */
    private static final int LINK_INFO_SIZE = 64;

    /** Where on the device: what it receives, or what it sends. */
    public enum Hook {
        INGRESS(46), // BPF_TCX_INGRESS
        EGRESS(47); // BPF_TCX_EGRESS

        final int attachType;

        Hook(int attachType) {
            this.attachType = attachType;
        }

        static Hook of(int attachType) {
            for (Hook h : values()) {
                if (h.attachType == attachType) {
                    return h;
                }
            }
            throw new IllegalArgumentException("attach type " + attachType + " is no tcx hook");
        }
    }

    /** What the kernel says about a link: which program it runs, on which device and hook (none once detached). */
    public record Info(int linkId, int programId, int ifindex, Optional<Hook> hook) {}

    private final int fd;
    private final String what;
    private boolean closed;

    private Tcx(int fd, String what) {
        this.fd = fd;
        this.what = what;
    }

    /** Attaches {@code program} to {@code hook} of device {@code ifindex} (of the caller's namespace) by a new link. */
    public static Tcx attach(int ifindex, Hook hook, Program program) {
        String what = "tcx " + hook.name().toLowerCase() + " on ifindex " + ifindex;
        int fd = NativeLibs.bpf().bpf_link_create(program.fd(), ifindex, hook.attachType, null);
        return new Tcx(BpfException.check(fd, "attach " + what, program.name()), what);
    }

    /** The link pinned at {@code path} (by an earlier run of the agent, say). */
    public static Tcx pinned(Path path) {
        int fd = NativeLibs.bpf().bpf_obj_get(path.toString());
        Tcx link = new Tcx(BpfException.check(fd, "open pinned link " + path, path.toString()), path.toString());
        try {
            // The object's kind is in the fd's fdinfo; a link and a map info struct cannot be told apart by content.
            String fdinfo = Files.readString(Path.of("/proc/self/fdinfo/" + fd));
            if (!fdinfo.contains("link_type:\ttcx\n")) {
                throw new IllegalArgumentException(path + " is not a pinned tcx link");
            }
        } catch (IOException | RuntimeException e) {
            link.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        return link;
    }

    /** Runs {@code next} instead, in one step: every packet meets the old program or the new one. */
    public void update(Program next) {
        ensureOpen();
        BpfException.check(NativeLibs.bpf().bpf_link_update(fd, next.fd(), null), "update " + what, next.name());
    }

    /** Pins the link, so that it stays attached when this process closes it or exits. */
    public void pin(Path path) {
        ensureOpen();
        BpfException.check(NativeLibs.bpf().bpf_obj_pin(fd, path.toString()), "pin " + what + " at " + path, what);
    }

    /** Removes the attachment (pinned or not); the link object stays until its last fd and pin go. */
    public void detach() {
        ensureOpen();
        BpfException.check(NativeLibs.bpf().bpf_link_detach(fd), "detach " + what, what);
    }

    public Info info() {
        ensureOpen();
        Pointer info = Memory.allocateDirect(NativeLibs.runtime(), LINK_INFO_SIZE);
        Pointer len = Memory.allocateDirect(NativeLibs.runtime(), 4);
        len.putInt(0, LINK_INFO_SIZE);
        BpfException.check(NativeLibs.bpf().bpf_obj_get_info_by_fd(fd, info, len), "query " + what, what);
        if (info.getInt(0) != LINK_TYPE_TCX) {
            throw new IllegalStateException(what + " is a link of type " + info.getInt(0) + ", not tcx");
        }
        // A detached link reports ifindex 0 and no hook.
        int attachType = info.getInt(20);
        return new Info(
                info.getInt(4),
                info.getInt(8),
                info.getInt(16),
                info.getInt(16) == 0 ? Optional.empty() : Optional.of(Hook.of(attachType)));
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(what + ": link closed");
        }
    }

    /** Closes this process's fd: an unpinned link detaches, a pinned one stays. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            NativeLibs.libc().close(fd);
        }
    }
}
