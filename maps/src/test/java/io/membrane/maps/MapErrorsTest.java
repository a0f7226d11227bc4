package io.membrane.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Kernel refusals come back as one typed exception with the right errno, operation and map name. */
@Tag("kernel")
class MapErrorsTest {
    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @Test
    void noexistOnExistingKeyIsEexist() {
        try (BpfHashMap<Integer, Long> map =
                kernel.pins().openOrCreate(MapSpec.hash("err_noexist", Layout.U32, Layout.U64, 4))) {
            map.put(1, 1L);
            BpfException e = assertThrows(BpfException.class, () -> map.update(1, 2L, UpdateFlag.NOEXIST));
            assertEquals(Errno.EEXIST, e.errno());
            assertEquals(Errno.EEXIST.number(), e.rawErrno());
            assertEquals("update", e.operation());
            assertEquals("err_noexist", e.objectName());
            assertTrue(e.getMessage().contains("EEXIST"), e.getMessage());
            assertEquals(Optional.of(1L), map.lookup(1), "the refused update changed nothing");
        }
    }

    @Test
    void existOnMissingKeyIsEnoent() {
        try (BpfHashMap<Integer, Long> map =
                kernel.pins().openOrCreate(MapSpec.hash("err_exist", Layout.U32, Layout.U64, 4))) {
            BpfException e = assertThrows(BpfException.class, () -> map.update(9, 2L, UpdateFlag.EXIST));
            assertEquals(Errno.ENOENT, e.errno());
        }
    }

    @Test
    void fullHashMapIsE2big() {
        try (BpfHashMap<Integer, Long> map =
                kernel.pins().openOrCreate(MapSpec.hash("err_full", Layout.U32, Layout.U64, 3))) {
            map.put(1, 1L);
            map.put(2, 2L);
            map.put(3, 3L);
            BpfException e = assertThrows(BpfException.class, () -> map.put(4, 4L));
            assertEquals(Errno.E2BIG, e.errno());
            map.put(3, 30L); // overwriting an existing key still works in a full map
            assertEquals(Optional.of(30L), map.lookup(3));
        }
    }

    @Test
    void fullLpmTrieIsEnospc() {
        try (LpmTrieMap<Ipv4Prefix, Byte> map =
                kernel.pins().openOrCreate(MapSpec.lpmTrie("err_lpm_full", Ipv4Prefix.LAYOUT, Layout.U8, 2))) {
            map.put(Ipv4Prefix.parse("10.0.0.0/8"), (byte) 1);
            map.put(Ipv4Prefix.parse("10.1.0.0/16"), (byte) 1);
            BpfException e = assertThrows(BpfException.class, () -> map.put(Ipv4Prefix.parse("10.2.0.0/16"), (byte) 1));
            assertEquals(Errno.ENOSPC, e.errno());
            assertEquals("err_lpm_full", e.objectName());
        }
    }

    @Test
    void closedMapRefusesUse() {
        BpfHashMap<Integer, Long> map = BpfMaps.create(MapSpec.hash("err_closed", Layout.U32, Layout.U64, 2));
        map.close();
        assertThrows(IllegalStateException.class, () -> map.lookup(1));
    }
}
