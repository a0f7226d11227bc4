package io.membrane.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/**
 * The CLI's parsing without an agent: usage errors are one line and exit 2, the usage text and the completion
 * come from the command tree (a module's added command included), and --api works before or after the command.
 */
class CliParsingTest {
    record Run(int code, String out, String err) {}

    private static Run cli(Cli cli, ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
        int code = cli.run(args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        return cli(
                new Cli(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8)),
                out,
                err,
                args);
    }

    @Test
    void usageErrorsAreOneLineAndExitTwo() {
        String[][] cases = {
            {"frobnicate"},
            {"prefilter"},
            {"prefilter", "add"},
            {"prefilter", "add", "--bogus", "10.0.0.0/8"},
            {"prefilter", "add", "--revision", "x", "10.0.0.0/8"},
            {"map", "get"},
            {"map", "get", "a", "b"},
            {"status", "extra"},
            {"monitor", "--type", "nope"},
            {},
        };
        for (String[] args : cases) {
            Run r = cli(args);
            String what = String.join(" ", args) + " -> " + r.err();
            assertEquals(2, r.code(), what);
            assertTrue(
                    r.err().startsWith("membrane: ") && r.err().strip().lines().count() == 1, what);
            assertEquals("", r.out(), what);
        }
        assertEquals(
                "membrane: unknown command 'frobnicate' (bin/membrane help)\n",
                cli("frobnicate").err());
        assertEquals(
                "membrane: prefilter: needs one of: get, add, delete (bin/membrane help)\n",
                cli("prefilter").err());
    }

    @Test
    void apiBeforeOrAfterTheCommandAndABadTargetIsOneLine() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String api = "http://127.0.0.1:" + port;
        String line =
                "membrane: cannot reach the agent at " + api + " (is it running? start it with: bin/membrane agent)\n";
        assertEquals(new Run(1, "", line), cli("--api", api, "status"));
        assertEquals(new Run(1, "", line), cli("prefilter", "get", "--api", api));
        assertEquals(
                new Run(
                        1,
                        "",
                        "membrane: API target '127.0.0.1:9876' is neither unix:PATH, an absolute socket path, nor http://HOST:PORT\n"),
                cli("map", "list", "--api", "127.0.0.1:9876"));
    }

    @Command(name = "extra", description = "A command a module adds.")
    static final class Extra implements Callable<Integer> {
        @Override
        public Integer call() {
            return 7;
        }
    }

    @Test
    void helpAndCompletionListEveryCommandAModuleAddedToo() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Cli withExtra = new Cli(
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        withExtra.addUnder("cluster", Extra::new);
        Run help = cli(withExtra, out, err, "help");
        assertEquals(0, help.code(), help.err());
        for (String c :
                new String[] {"agent", "status", "prefilter", "map", "monitor", "cluster", "uninstall", "completion"}) {
            assertTrue(help.out().contains("\n  " + c + " "), c + " in:\n" + help.out());
        }
        out.reset();
        Run sub = cli(withExtra, out, err, "help", "cluster");
        assertTrue(sub.out().contains("extra") && sub.out().contains("A command a module adds."), sub.out());
        assertEquals(7, withExtra.run(new String[] {"cluster", "extra"}));

        out.reset();
        Run completion = cli(withExtra, out, err, "completion");
        assertEquals(0, completion.code(), completion.err());
        assertTrue(
                completion.out().contains("complete -F _complete_membrane -o default bin/membrane"), completion.out());
        assertTrue(
                completion.out().contains("extra") && completion.out().contains("policy-verdict"),
                "the added command and the --type values are completed");
    }
}
