package io.membrane.maps;

import io.membrane.maps.layout.Layout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The value buffer of a per-CPU map: one slot per possible CPU, each the element's size rounded up to 8
 * bytes, as the kernel copies them (bpf_map_copy_value). It exists only on the Java side; the kernel's
 * value_size is the element's.
 */
final class PerCpu {
    private PerCpu() {}

    static <E> Layout<List<E>> layout(Layout<E> element, int cpus) {
        int slot = element.perCpuSlotSize();
        return Layout.of(
                "percpu " + element.cName(),
                slot * cpus,
                List.of(),
                (values, buf, base) -> {
                    if (values.size() != cpus) {
                        throw new IllegalArgumentException("per-CPU value needs " + cpus + " slots (one per possible"
                                + " CPU), got " + values.size());
                    }
                    for (int i = 0; i < cpus; i++) {
                        element.write(values.get(i), buf, base + i * slot);
                    }
                },
                (buf, base) -> {
                    List<E> out = new ArrayList<>(cpus);
                    for (int i = 0; i < cpus; i++) {
                        out.add(element.read(buf, base + i * slot));
                    }
                    return Collections.unmodifiableList(out);
                });
    }
}
