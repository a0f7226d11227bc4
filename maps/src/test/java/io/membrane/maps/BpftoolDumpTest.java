package io.membrane.maps;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.membrane.maps.layout.Layout;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Another process sees what we pinned: `bpftool map dump pinned PATH -j` (a real client, run as a subprocess)
 * shows exactly the keys and values our layouts wrote.
 */
@Tag("kernel")
class BpftoolDumpTest {
    @RegisterExtension
    final KernelTest kernel = new KernelTest();

    private static final Pattern ENTRY = Pattern.compile("\"key\":\\[([^\\]]*)\\],\"value\":\\[([^\\]]*)\\]");

    @Test
    void bpftoolSeesOurLpmEntries() throws Exception {
        var spec = MapSpec.lpmTrie("dump_lpm4", Ipv4Prefix.LAYOUT, Layout.U32, 16);
        try (var map = kernel.pins().openOrCreate(spec)) {
            map.put(Ipv4Prefix.parse("203.0.113.0/24"), 0x11223344);
            map.put(Ipv4Prefix.parse("10.0.0.0/8"), 7);
            Map<String, String> dumped = dump(kernel.pins().pathOf(spec).toString());
            assertEquals(2, dumped.size(), dumped.toString());
            for (var e : map.entries().entrySet()) {
                String key = hex(Ipv4Prefix.LAYOUT.toBytes(e.getKey()));
                assertEquals(hex(Layout.U32.toBytes(e.getValue())), dumped.get(key), "value under " + e.getKey());
            }
            // Spelled out once, so a layout bug cannot hide behind the same layout on both sides:
            assertEquals("44332211", dumped.get("18000000cb007100"), "203.0.113.0/24 -> 0x11223344");
        }
    }

    @Test
    void bpftoolSeesOurHashEntries() throws Exception {
        var spec = MapSpec.hash("dump_hash6", Ipv6Prefix.ADDRESS_LAYOUT, Layout.U8, 16);
        try (var map = kernel.pins().openOrCreate(spec)) {
            map.put(Ipv6Prefix.host("2001:db8::1"), (byte) 1);
            Map<String, String> dumped = dump(kernel.pins().pathOf(spec).toString());
            assertEquals(Map.of("20010db8000000000000000000000001", "01"), dumped);
        }
    }

    /** key hex → value hex, parsed from bpftool's JSON. */
    private static Map<String, String> dump(String pinPath) {
        String out = Bpftool.run("map", "dump", "pinned", pinPath, "-j");
        Map<String, String> entries = new HashMap<>();
        Matcher m = ENTRY.matcher(out.replace(" ", ""));
        while (m.find()) {
            entries.put(joinHex(m.group(1)), joinHex(m.group(2)));
        }
        return entries;
    }

    private static String joinHex(String jsonArray) {
        List<String> bytes = new ArrayList<>();
        for (String b : jsonArray.split(",")) {
            bytes.add(b.replace("\"", "").replace("0x", ""));
        }
        return String.join("", bytes);
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
