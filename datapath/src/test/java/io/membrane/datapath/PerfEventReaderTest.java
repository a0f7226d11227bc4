package io.membrane.datapath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.membrane.maps.KernelTest;
import io.membrane.maps.MapSpec;
import io.membrane.maps.PerfEventArrayMap;
import io.membrane.maps.PossibleCpus;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Samples a program writes with bpf_perf_event_output arrive through the reader, byte for byte. */
@Tag("kernel")
class PerfEventReaderTest {
    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    @Test
    void samplesFromTheKernelArrive() {
        List<byte[]> samples = new ArrayList<>();
        long[] lost = {0};
        try (PerfEventArrayMap events =
                        kernel.pins().openOrCreate(MapSpec.perfEventArray("test_events", PossibleCpus.count()));
                BpfObject obj = BpfObject.open(TestObjects.object())) {
            obj.bind("test_events", events);
            obj.load();
            try (PerfEventReader reader = new PerfEventReader(events, 8, new PerfEventReader.Listener() {
                @Override
                public void onSample(int cpu, byte[] data) {
                    samples.add(data);
                }

                @Override
                public void onLost(int cpu, long count) {
                    lost[0] += count;
                }
            })) {
                TestRun.run(obj.program("xdp_emit"), new byte[60], 5);
                for (int i = 0; i < 10 && samples.size() < 5; i++) {
                    reader.poll(100);
                }
            }
        }
        assertEquals(5, samples.size());
        assertEquals(0, lost[0]);
        ByteBuffer ev = ByteBuffer.wrap(samples.get(0)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(7, ev.getInt(0));
        assertEquals(8080, ev.getShort(4));
        assertEquals(6, ev.get(6));
        assertEquals(60L, ev.getLong(8));
    }

    @Test
    void pageCountMustBeAPowerOfTwo() {
        try (PerfEventArrayMap events = kernel.pins().openOrCreate(MapSpec.perfEventArray("test_ev2", 2))) {
            assertThrows(IllegalArgumentException.class, () -> new PerfEventReader(events, 3, null));
        }
    }
}
