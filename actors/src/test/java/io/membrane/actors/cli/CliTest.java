package io.membrane.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.membrane.actors.AgentNode;
import io.membrane.actors.TestAgents;
import io.membrane.datapath.DatapathMaps;
import io.membrane.datapath.structs.EndpointInfo;
import io.membrane.datapath.structs.EndpointKey;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.maps.BpfHashMap;
import io.membrane.maps.KernelTest;
import io.membrane.maps.PinnedMaps;
import io.membrane.maps.net.Ipv4Prefix;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against a running agent: output for people, one-line errors and exit codes for scripts. */
@Tag("kernel")
class CliTest {
    private static PinnedMaps pins;
    private static AgentNode agent;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        KernelTest.assumeKernel();
        pins = TestAgents.freshPins("cli");
        agent = AgentNode.start(TestAgents.config(pins.root(), Files.createTempDirectory("mbr-cli"), "[]", ""));
    }

    @AfterAll
    static void stop() {
        if (agent != null) {
            agent.close();
        }
        if (pins != null) {
            pins.removeAll();
        }
    }

    record Run(int code, String out, String err) {}

    private static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 2];
        all[0] = "--api";
        all[1] = agent.apiBase();
        System.arraycopy(args, 0, all, 2, args.length);
        int code = new Cli(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(all);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void prefilterAddFromArgumentsAndFileThenGetAndDelete() throws Exception {
        Path file = tmp.resolve("deny.txt");
        Files.writeString(file, "# blocked ranges\n198.51.100.0/24   # lab\n\n203.0.113.9\n");
        Run add = cli("prefilter", "add", "--file", file.toString(), "10.12.0.0/16");
        assertEquals(0, add.code(), add.err());
        assertTrue(add.out().startsWith("added 3 CIDR(s); revision "), add.out());
        Run get = cli("prefilter", "get");
        assertTrue(get.out().contains("10.12.0.0/16\n198.51.100.0/24\n203.0.113.9/32\n"), get.out());
        assertTrue(get.out().startsWith("Revision: "), get.out());
        Run del = cli("prefilter", "delete", "10.12.0.0/16", "198.51.100.0/24", "203.0.113.9");
        assertEquals(0, del.code(), del.err());
    }

    @Test
    void identityListAndGetPrintCiliumsColumnsAndRefuseInOneLine() {
        Run list = cli("identity", "list");
        assertEquals(0, list.code(), list.err());
        assertTrue(
                list.out().startsWith("ID         LABELS\n1          reserved:host\n2          reserved:world\n"),
                list.out());
        Run get = cli("identity", "get", "6");
        assertEquals(0, get.code(), get.err());
        assertTrue(get.out().contains("6          reserved:remote-node\nScope:     reserved\n"), get.out());
        Run byLabels = cli("identity", "list", "--labels", "reserved:health");
        assertTrue(byLabels.out().endsWith("4          reserved:health\n"), byLabels.out());
        Run missing = cli("identity", "get", "4242");
        assertEquals(1, missing.code());
        assertEquals(1, missing.err().lines().count(), missing.err());
        assertTrue(missing.err().contains("no identity 4242") && missing.err().contains("(id = 4242)"), missing.err());
        Run bad = cli("identity", "list", "--labels", "reserved:x,ke y=v");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("(labels = ke y=v)"), bad.err());
    }

    @Test
    void scopeIsSentAndAClusterScopeOnALoneAgentIsRefused() {
        Run r = cli("prefilter", "add", "--scope", "cluster", "198.51.100.0/24");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("scope cluster needs a clustered agent"), r.err());
        Run node = cli("prefilter", "add", "--scope", "node", "198.51.100.0/24");
        assertEquals(0, node.code(), node.err());
        assertEquals(
                0,
                cli("prefilter", "delete", "--scope", "node", "198.51.100.0/24").code());
    }

    @Test
    void badCidrInAFileNamesTheLine() throws Exception {
        Path file = tmp.resolve("bad.txt");
        Files.writeString(file, "10.0.0.0/8\n10.0.0.0/33\n");
        Run r = cli("prefilter", "add", "--file", file.toString());
        assertEquals(1, r.code());
        assertEquals("membrane: " + file + ":2: 10.0.0.0/33: prefix length must be 0..32\n", r.err());
    }

    @Test
    void aFileLineMayBeIndentedButACidrArgumentMustNotHaveWhitespace() throws Exception {
        Run spaced = cli("prefilter", "add", " 10.13.0.0/16");
        assertEquals(1, spaced.code(), spaced.out());
        assertEquals(
                "membrane: ' 10.13.0.0/16': whitespace (U+0020) at index 0 is not allowed in a CIDR\n", spaced.err());
        Path file = tmp.resolve("indented.txt");
        Files.writeString(file, "\t10.13.0.0/16 \n   # indented comment\n");
        Run fromFile = cli("prefilter", "add", "--file", file.toString());
        assertEquals(0, fromFile.code(), fromFile.err());
        assertTrue(cli("prefilter", "get").out().contains("\n10.13.0.0/16\n"));
        assertEquals(0, cli("prefilter", "delete", "10.13.0.0/16").code());
    }

    @Test
    void apiRefusalIsOneLineWithFieldAndValue() {
        cli("prefilter", "add", "10.99.0.0/16");
        Run r = cli("prefilter", "delete", "10.98.0.0/16");
        assertEquals(1, r.code());
        assertEquals("membrane: 10.98.0.0/16: not in the node-scoped deny list (deny = 10.98.0.0/16)\n", r.err());
        cli("prefilter", "delete", "10.99.0.0/16");
    }

    @Test
    void statusAndMaps() {
        Run s = cli("status");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("membrane_cidr4_dyn"), s.out());
        Run list = cli("map", "list");
        assertTrue(list.out().contains("membrane_metrics"), list.out());
        Run missing = cli("map", "get", "membrane_nope");
        assertEquals(1, missing.code());
        assertTrue(missing.err().startsWith("membrane: no map named membrane_nope"), missing.err());
    }

    @Test
    void ipListFromTheApiAndBpfIpcacheListFromThePinnedMap() throws Exception {
        Run ip = cli("ip", "list");
        assertEquals(0, ip.code(), ip.err());
        assertTrue(ip.out().startsWith("IP "), ip.out());
        assertTrue(ip.out().matches("(?s).*\\n0\\.0\\.0\\.0/0 +2 reserved:world +reserved.*"), ip.out());
        Run bpf = cli("bpf", "ipcache", "list", "--pin-root", pins.root().toString());
        assertEquals(0, bpf.code(), bpf.err());
        assertTrue(bpf.out().contains("\n0.0.0.0/0"), bpf.out());
        assertTrue(bpf.out().contains("identity=2 node_addr=0.0.0.0"), bpf.out());
        Path none = Files.createTempDirectory("mbr-cli-none");
        Run missing = cli("bpf", "ipcache", "list", "--pin-root", none.toString());
        assertEquals(1, missing.code(), missing.out());
        assertTrue(missing.err().startsWith("membrane: no pinned maps at " + none), missing.err());
        assertEquals(1, missing.err().lines().count(), missing.err());
        Files.delete(none);
    }

    @Test
    void bpfEndpointListDecodesThePinnedLxcMap() {
        DatapathMaps maps = new DatapathMaps(agent.config().mapSizes());
        try (BpfHashMap<EndpointKey, EndpointInfo> lxc =
                pins.openExisting(maps.spec(DatapathMaps.LXC)).orElseThrow()) {
            EndpointKey key = new EndpointKey(
                    IpcacheKey.FAMILY_IPV4, Ipv4Prefix.host("10.200.0.7").addressBytes());
            lxc.put(key, new EndpointInfo(17, 42, 0, 0x02000ac80007L, 0x0200000000feL));
            try {
                Run run =
                        cli("bpf", "endpoint", "list", "--pin-root", pins.root().toString());
                assertEquals(0, run.code(), run.err());
                assertTrue(run.out().startsWith("IP ADDRESS"), run.out());
                assertTrue(
                        run.out()
                                .matches("(?s).*\\n10\\.200\\.0\\.7 +id=42 +flags=0x0000 ifindex=17 +"
                                        + "mac=02:00:0a:c8:00:07 nodemac=02:00:00:00:00:fe\\n.*"),
                        run.out());
            } finally {
                lxc.delete(key);
            }
        }
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, cli("frobnicate").code());
        assertEquals(2, cli("prefilter").code());
        assertEquals(2, cli("prefilter", "add").code());
    }

    @Test
    void unreachableAgentIsOneReadableLine() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new Cli(
                        new PrintStream(new ByteArrayOutputStream()),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(new String[] {"--api", "http://127.0.0.1:1", "status"});
        assertEquals(1, code);
        assertEquals(
                "membrane: cannot reach the agent at http://127.0.0.1:1 (is it running? start it with:"
                        + " bin/membrane agent)\n",
                err.toString(StandardCharsets.UTF_8));
    }
}
