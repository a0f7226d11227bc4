package io.membrane.datapath.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.membrane.maps.Errno;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Entering a namespace that is not there fails with a typed exception carrying errno, operation and name. */
class NetnsExceptionTest {
    @Test
    void aMissingNamespaceIsEnoentNamingIt() {
        String name = "mbr-test-absent-" + UUID.randomUUID().toString().substring(0, 8);
        NetnsException e = assertThrows(NetnsException.class, () -> Netns.call(name, () -> 1));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals(Errno.ENOENT.number(), e.rawErrno());
        assertEquals("open", e.operation());
        assertEquals(name, e.namespace());
        assertEquals("open /run/netns/" + name + ": ENOENT (No such file or directory)", e.getMessage());
    }
}
