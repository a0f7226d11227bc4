package io.membrane.maps;

import java.util.HashMap;
import java.util.Map;

/**
 * The errno values the bpf(2) family and the file calls around it actually return, by their Linux x86_64
 * numbers, so errors read as {@code E2BIG} instead of {@code -7}. Values the kernel returns that are not
 * listed decode to {@link #UNKNOWN}; the exception keeps the raw number as well.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    E2BIG(7, "Argument list too long"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    EXDEV(18, "Invalid cross-device link"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EINVAL(22, "Invalid argument"),
    ENOSPC(28, "No space left on device"),
    ERANGE(34, "Numerical result out of range"),
    ENAMETOOLONG(36, "File name too long"),
    ENOSYS(38, "Function not implemented"),
    ENOTEMPTY(39, "Directory not empty"),
    ELOOP(40, "Too many levels of symbolic links"),
    EOPNOTSUPP(95, "Operation not supported"),
    ENOTSUPP(524, "Operation not supported (kernel-internal ENOTSUPP)"),
    UNKNOWN(-1, "Unknown error");

    private static final Map<Integer, Errno> BY_NUMBER = new HashMap<>();

    static {
        for (Errno e : values()) {
            BY_NUMBER.put(e.number, e);
        }
    }

    private final int number;
    private final String description;

    Errno(int number, String description) {
        this.number = number;
        this.description = description;
    }

    public int number() {
        return number;
    }

    public String description() {
        return description;
    }

    /** Whether a libbpf-style return value (a negative errno on failure) is this errno. */
    public boolean is(int negativeReturn) {
        return negativeReturn == -number;
    }

    /** The libbpf-style return value for this errno, for code that reports a failure in that form. */
    public int asReturn() {
        return -number;
    }

    /** {@code E2BIG (Argument list too long)} for a known errno, {@code errno 1234} for another. */
    public static String describe(int errnoOrNegativeReturn) {
        Errno e = of(errnoOrNegativeReturn);
        return e == UNKNOWN ? "errno " + Math.abs(errnoOrNegativeReturn) : e.name() + " (" + e.description() + ")";
    }

    /** Decodes a positive errno or a negative libbpf return value. */
    public static Errno of(int errnoOrNegativeReturn) {
        return BY_NUMBER.getOrDefault(Math.abs(errnoOrNegativeReturn), UNKNOWN);
    }
}
