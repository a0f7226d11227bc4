package io.membrane.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Errno decodes libbpf's negative returns; the names and numbers are Linux's. */
class ErrnoTest {
    @Test
    void matchesOnlyItsOwnNegativeReturn() {
        assertTrue(Errno.ENOENT.is(-2));
        assertFalse(Errno.ENOENT.is(2), "a positive return is a value (an fd, a count), not an error");
        assertFalse(Errno.ENOENT.is(-17));
        assertEquals(-17, Errno.EEXIST.asReturn());
        assertEquals(Errno.E2BIG, Errno.of(-7));
        assertEquals(Errno.EINTR, Errno.of(4));
    }

    @Test
    void describesKnownAndUnknownNumbers() {
        assertEquals("E2BIG (Argument list too long)", Errno.describe(-7));
        assertEquals("ENOTSUPP (Operation not supported (kernel-internal ENOTSUPP))", Errno.describe(524));
        assertEquals("errno 4003", Errno.describe(-4003));
    }
}
