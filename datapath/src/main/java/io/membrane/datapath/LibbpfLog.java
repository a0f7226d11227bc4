package io.membrane.datapath;

import io.membrane.maps.sys.LibBpf;
import io.membrane.maps.sys.NativeLibs;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes libbpf's own messages (the verifier log among them) to SLF4J and keeps the messages of the current
 * thread's load so that a refused program can be reported with the verifier's reason instead of a bare
 * errno. libbpf has one global print hook, so this installs it once per JVM and keeps the callback strongly
 * reachable for the JVM's life.
 */
final class LibbpfLog {
    private static final Logger LOG = LoggerFactory.getLogger("libbpf");
    private static final ThreadLocal<StringBuilder> CAPTURE = new ThreadLocal<>();
    private static final LibBpf.PrintCallback CALLBACK = LibbpfLog::print;
    private static volatile boolean installed;

    private LibbpfLog() {}

    static synchronized void install() {
        if (!installed) {
            NativeLibs.bpf().libbpf_set_print(CALLBACK);
            installed = true;
        }
    }

    /** Starts collecting this thread's libbpf messages. */
    static void startCapture() {
        install();
        CAPTURE.set(new StringBuilder());
    }

    /** Stops collecting and returns what libbpf said meanwhile. */
    static String stopCapture() {
        StringBuilder sb = CAPTURE.get();
        CAPTURE.remove();
        return sb == null ? "" : sb.toString();
    }

    private static int print(int level, Pointer format, Pointer args) {
        Pointer buf = Memory.allocateDirect(NativeLibs.runtime(), 4096);
        int n = NativeLibs.libc().vsnprintf(buf, 4096, format, args);
        if (n <= 0) {
            return 0;
        }
        byte[] bytes = new byte[Math.min(n, 4095)];
        buf.get(0, bytes, 0, bytes.length);
        String msg = new String(bytes, StandardCharsets.UTF_8);
        StringBuilder capture = CAPTURE.get();
        if (capture != null) {
            capture.append(msg);
        }
        String line = msg.stripTrailing();
        switch (level) {
            case 0 -> LOG.warn(line);
            case 1 -> LOG.info(line);
            default -> LOG.debug(line);
        }
        return n;
    }
}
