package io.membrane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.membrane.actors.AgentConfig;
import io.membrane.datapath.Xdp;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lab's plan (names, addresses, generated configs) and its in-namespace HTTP client's parser; no kernel. */
class LabTest {
    private static AgentConfig parse(String text) {
        return AgentConfig.from(ConfigFactory.parseString(text)
                .withFallback(ConfigFactory.defaultReference())
                .resolve());
    }

    @Test
    void eachNodeGetsItsNamespaceAddressPinsRunDirAndAConfigThatSaysSo() {
        Lab lab = Lab.plan(Lab.Options.defaults());
        Lab.Node n2 = lab.node("n2");
        assertEquals("mbr-n2", n2.namespace());
        assertEquals("10.79.0.12", n2.address());
        assertEquals(n2, lab.node("mbr-n2"));
        assertEquals(Path.of("/sys/fs/bpf/membrane-lab/n2"), n2.pinRoot());
        assertEquals(Path.of("/var/run/membrane-lab/n2/membrane.conf"), n2.config());
        assertEquals("unix:/var/run/membrane-lab/n2/membrane.sock", n2.api());

        AgentConfig c = parse(lab.config(n2));
        assertEquals(n2.pinRoot(), c.pinRoot());
        assertEquals(n2.runDir(), c.runDir());
        assertEquals(lab.options().home().resolve("bpf"), c.bpfDir());
        assertEquals("127.0.0.1", c.apiHost());
        assertEquals(Lab.API_PORT, c.apiPort());
        assertEquals("unix:" + c.apiSocket(), n2.api());
        assertEquals(List.of(new AgentConfig.Device("fab0", Xdp.Mode.NATIVE, java.util.Optional.empty())), c.devices());
        assertEquals("n2", c.raw().getString("membrane.cluster.node-name"));
        assertEquals("10.79.0.12", c.raw().getString("pekko.remote.artery.canonical.hostname"));
        assertEquals(25520, c.raw().getInt("pekko.remote.artery.canonical.port"));
        assertEquals(
                List.of(
                        "pekko://membrane@10.79.0.11:25520",
                        "pekko://membrane@10.79.0.12:25520",
                        "pekko://membrane@10.79.0.13:25520"),
                c.raw().getStringList("pekko.cluster.seed-nodes"));
    }

    @Test
    void theConfigFileReadsBackAsTheConfigItWasRenderedFromAndSaysWhatWroteIt() {
        Lab lab = Lab.plan(Lab.Options.defaults().withNodes(4));
        Lab.Node n2 = lab.node(2);
        String text = lab.config(n2);
        assertTrue(text.startsWith("# Node n2 of the Membrane lab (bin/membrane lab up)"), text);
        assertTrue(
                text.contains("# Loopback of the node's own namespace: reach it with nsenter --net=/run/netns/mbr-n2"),
                text);
        assertEquals(
                NodeConfig.of(n2, lab.nodes(), lab.options()).root(),
                ConfigFactory.parseString(text).root());
        assertEquals(Lab.Options.DEFAULT_CIDR_CAPACITY, parse(text).raw().getInt("membrane.maps.cidr-dyn"));
    }

    @Test
    void seedsAreTheFirstThreeNodesAndGenericModeIsPassedOn() {
        Lab lab = Lab.plan(Lab.Options.defaults().withNodes(5).withXdpMode("generic"));
        AgentConfig c = parse(lab.config(lab.node(5)));
        assertEquals(3, c.raw().getStringList("pekko.cluster.seed-nodes").size());
        assertEquals(Xdp.Mode.GENERIC, c.devices().get(0).mode());
        assertEquals("10.79.0.15", lab.node(5).address());
        Lab one = Lab.plan(Lab.Options.defaults().withNodes(1));
        AgentConfig alone = parse(one.config(one.node(1)));
        assertEquals(
                List.of("pekko://membrane@10.79.0.11:25520"), alone.raw().getStringList("pekko.cluster.seed-nodes"));
    }

    @Test
    void badOptionsAreRefusedWithTheirName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Lab.Options.defaults()
                        .withNodes(0))
                .getMessage()
                .contains("--nodes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Lab.Options.defaults()
                        .withXdpMode("offload"))
                .getMessage()
                .contains("--xdp-mode"));
        assertThrows(IllegalArgumentException.class, () -> Lab.plan(Lab.Options.defaults())
                .node(4));
    }
}
