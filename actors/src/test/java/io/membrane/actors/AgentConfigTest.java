package io.membrane.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.membrane.datapath.DatapathMaps;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentConfigTest {
    @Test
    void theMapSizesBlockHasTheDocumentedKeysAndReadsBackAsTheSameSizes() {
        DatapathMaps.Sizes sizes = new DatapathMaps.Sizes(1101, 1102, 1103, 1104, 1105, 1106, 1107);
        Map<String, Integer> block = AgentConfig.mapSizesBlock(sizes);
        // The keys are users' settings: a renamed Sizes component must not rename one quietly.
        assertEquals(
                List.of("cidr-fix", "cidr-dyn", "ipcache", "lxc", "ct4", "ct6", "policy"), List.copyOf(block.keySet()));
        assertEquals(List.of(1101, 1102, 1103, 1104, 1105, 1106, 1107), List.copyOf(block.values()));
        AgentConfig read = AgentConfig.from(ConfigFactory.empty()
                .withValue("membrane.maps", ConfigValueFactory.fromMap(block))
                .withFallback(ConfigFactory.defaultReference())
                .resolve());
        assertEquals(sizes, read.mapSizes());
    }
}
