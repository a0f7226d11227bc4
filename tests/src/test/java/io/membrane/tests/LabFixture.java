package io.membrane.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.membrane.lab.Lab;
import io.membrane.maps.KernelTest;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The three-node lab of one test class. The lab's names are fixed, so {@link #up} first removes a lab left on this
 * machine; {@link #down} keeps the nodes' logs under {@code target/} and removes everything else whatever the tests
 * did (a lab that failed to come up included), and checks that nothing of the lab is left. A class whose kernel
 * assumption failed never touched the lab, and its {@code down} does nothing.
 */
final class LabFixture {
    private final Consumer<String> log;
    private Lab lab;
    private boolean touched;

    /** @param log where the lab's progress goes, each line stamped with the seconds since {@code t0} */
    LabFixture(long t0) {
        this.log = s -> System.out.printf("[%6.1f s] %s%n", (System.nanoTime() - t0) / 1e9, s);
    }

    Lab up() {
        KernelTest.assumeKernel();
        touched = true;
        Lab.down(log);
        lab = Lab.up(Lab.Options.defaults().withNodes(3), log);
        return lab;
    }

    void down(String logsDir) {
        if (!touched) {
            return;
        }
        try {
            if (lab != null) {
                lab.saveLogs(Path.of("target", logsDir));
            }
        } finally {
            Lab.down(log);
        }
        assertEquals(List.of(), Lab.present(), "nothing of the lab is left");
    }

    Consumer<String> log() {
        return log;
    }
}
