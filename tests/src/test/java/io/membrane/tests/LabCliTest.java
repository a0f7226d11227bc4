package io.membrane.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.lab.Lab;
import io.membrane.lab.LabCli;
import io.membrane.maps.KernelTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `bin/membrane lab` as a user drives it (LabCli, what the script runs): a one-node lab up, refused a second
 * time, its status, a ping, kill -9 seen by status, restart, and down twice leaving nothing behind. The lab's
 * names are fixed: a lab left on this machine is removed first.
 */
@Tag("kernel")
class LabCliTest {
    private static boolean touched;

    record Run(int code, String out, String err) {}

    private static Run lab(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new LabCli(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(List.of(args));
        Run r = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println("$ bin/membrane lab " + String.join(" ", args) + "  -> " + code + "\n" + r.out() + r.err());
        return r;
    }

    @BeforeAll
    static void clean() {
        KernelTest.assumeKernel();
        touched = true;
        Lab.down(s -> {});
    }

    @AfterAll
    static void cleanUp() {
        if (touched) {
            Lab.down(s -> {});
        }
    }

    @Test
    void upStatusPingKillRestartDown() {
        assertEquals(2, lab().code());
        assertEquals(2, lab("up", "--nodes", "0").code());
        assertEquals(List.of(), Lab.present(), "a refused up makes nothing");

        Run up = lab("up", "--nodes", "1");
        assertEquals(0, up.code(), up.err());
        assertTrue(up.out().contains("Lab of 1 nodes") && up.out().contains("bin/membrane lab n1 cluster"), up.out());
        Run again = lab("up", "--nodes", "1");
        assertEquals(1, again.code());
        assertTrue(again.err().contains("a lab is already here"), again.err());

        Run status = lab("status");
        assertEquals(0, status.code(), status.out() + status.err());
        assertTrue(
                status.out().matches("(?s)n1 +10\\.79\\.0\\.11 +pid \\d+ +members: 10\\.79\\.0\\.11:25520 up\\s*"),
                status.out());

        Run ping = lab("ping", Lab.CLIENT, "n1", "2");
        assertEquals(0, ping.code(), ping.err());
        assertTrue(ping.out().contains("2/2 replies"), ping.out());
        assertEquals(2, lab("ping", Lab.CLIENT, "n9").code());

        assertEquals(0, lab("kill", "n1").code());
        Run dead = lab("status");
        assertEquals(1, dead.code());
        assertTrue(dead.out().contains("not running") && dead.out().contains("API not answering"), dead.out());
        assertEquals(1, lab("kill", "n1").code(), "nothing to kill");

        Run restart = lab("restart", "n1");
        assertEquals(0, restart.code(), restart.err());
        assertEquals(0, lab("status").code());

        assertEquals(0, lab("down").code());
        assertEquals(0, lab("down").code(), "down twice is fine");
        assertEquals(List.of(), Lab.present());
        assertTrue(lab("status").out().startsWith("no lab"));
    }
}
