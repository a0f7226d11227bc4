package io.membrane.maps.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * Loads libbpf and libc once per JVM and refuses a libbpf older than 1.1: older versions have other
 * signatures behind the same symbol names (bpf_prog_load changed in 1.0), so calling them would corrupt
 * memory rather than fail. Everything that needs the native libraries goes through {@link #bpf()} and
 * {@link #libc()}, which makes the version check impossible to skip.
 */
public final class NativeLibs {
    public static final int MIN_MAJOR = 1;
    public static final int MIN_MINOR = 1;

    private NativeLibs() {}

    private static final class Holder {
        static final LibBpf BPF = loadLibbpf();
        static final LibC LIBC =
                LibraryLoader.create(LibC.class).failImmediately().load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(BPF);
        static final Runtime LIBC_RUNTIME = Runtime.getRuntime(LIBC);
    }

    private static LibBpf loadLibbpf() {
        LibBpf lib;
        try {
            lib = LibraryLoader.create(LibBpf.class).failImmediately().load("bpf");
        } catch (LinkageError | RuntimeException e) {
            throw new LibbpfUnavailableException(
                    "libbpf.so.1 could not be loaded (" + e.getMessage() + "); install it: apt-get install libbpf1", e);
        }
        int major = lib.libbpf_major_version();
        int minor = lib.libbpf_minor_version();
        if (major < MIN_MAJOR || (major == MIN_MAJOR && minor < MIN_MINOR)) {
            throw new LibbpfUnavailableException(
                    "libbpf " + major + "." + minor + " is too old: Membrane needs " + MIN_MAJOR + "." + MIN_MINOR
                            + " or newer; install it: apt-get install libbpf1",
                    null);
        }
        return lib;
    }

    public static LibBpf bpf() {
        return Holder.BPF;
    }

    public static LibC libc() {
        return Holder.LIBC;
    }

    /** The JNR runtime that native memory for libbpf calls is allocated from. */
    public static Runtime runtime() {
        return Holder.RUNTIME;
    }

    /** errno saved after the last libbpf call marked SaveError on this thread (those returning pointers). */
    public static int lastLibbpfErrno() {
        return Holder.RUNTIME.getLastError();
    }

    /** errno saved after the last libc call on this thread; meaningful only after that call failed. */
    public static int lastErrno() {
        return Holder.LIBC_RUNTIME.getLastError();
    }

    /** "major.minor" of the loaded libbpf. */
    public static String libbpfVersion() {
        return bpf().libbpf_major_version() + "." + bpf().libbpf_minor_version();
    }

    /** Thrown when libbpf is missing or too old; the message says what to install. */
    public static final class LibbpfUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LibbpfUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
