package io.membrane.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.membrane.maps.layout.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several threads on one map, and one thread on maps of different shapes: each operation must use its own
 * thread's native buffers, however the map's last-used-buffers cache is raced.
 */
@Tag("kernel")
class ScratchSharingTest {
    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @Test
    void threadsSharingAMapSeeTheirOwnKeysAndValues() throws Exception {
        int threads = 4;
        int perThread = 500;
        try (BpfHashMap<Integer, Long> map =
                BpfMaps.create(MapSpec.hash("scratch_share", Layout.U32, Layout.U64, threads * perThread))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int base = t * perThread;
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int round = 0; round < 20; round++) {
                            for (int k = base; k < base + perThread; k++) {
                                map.put(k, k * 1_000L + round);
                                assertEquals(Optional.of(k * 1_000L + round), map.lookup(k));
                            }
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(threads * perThread, map.size());
            for (int k = 0; k < threads * perThread; k++) {
                assertEquals(Optional.of(k * 1_000L + 19), map.lookup(k));
            }
        }
    }

    @Test
    void oneThreadAlternatingMapsOfDifferentSizes() {
        Layout<byte[]> big = Layout.of(
                "big",
                300,
                List.of(io.membrane.maps.layout.Field.u64("first", 0)),
                (v, b, o) -> b.put(o, v, 0, v.length),
                (b, o) -> {
                    byte[] out = new byte[300];
                    b.get(o, out);
                    return out;
                });
        try (BpfHashMap<Integer, Long> small =
                        BpfMaps.create(MapSpec.hash("scratch_small", Layout.U32, Layout.U64, 8));
                BpfHashMap<Integer, byte[]> large = BpfMaps.create(MapSpec.hash("scratch_large", Layout.U32, big, 8))) {
            small.put(1, 11L);
            byte[] value = new byte[300];
            value[299] = 7;
            large.put(1, value); // grows this thread's buffers past the ones small cached
            small.put(2, 22L);
            assertEquals(Optional.of(11L), small.lookup(1));
            assertEquals(Optional.of(22L), small.lookup(2));
            assertEquals(7, large.lookup(1).orElseThrow()[299]);
        }
    }
}
