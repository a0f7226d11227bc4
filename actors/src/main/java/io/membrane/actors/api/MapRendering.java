package io.membrane.actors.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.membrane.actors.api.model.ApiJson;
import io.membrane.actors.api.model.MapDump;
import io.membrane.datapath.structs.IpcacheKey;
import io.membrane.maps.KeyValueMap;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a map's typed entries into JSON: prefixes as CIDR text, records as objects with their component names,
 * per-CPU values as a list. Decoded, never hex, so `GET /v1/map/NAME` reads like the design.
 */
final class MapRendering {
    private MapRendering() {}

    static List<MapDump.Entry> entries(KeyValueMap<?, ?> map) {
        List<MapDump.Entry> out = new ArrayList<>();
        map.entries().forEach((k, v) -> out.add(new MapDump.Entry(json(k), json(v))));
        return out;
    }

    private static JsonNode json(Object o) {
        return ApiJson.MAPPER.valueToTree(render(o));
    }

    static Object render(Object o) {
        if (o instanceof Ipv4Prefix || o instanceof Ipv6Prefix || o instanceof IpcacheKey) {
            return o.toString();
        }
        if (o instanceof List<?> list) {
            return list.stream().map(MapRendering::render).toList();
        }
        if (o instanceof Enum<?> e) {
            return e.name().toLowerCase();
        }
        if (o instanceof Record r) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (var c : r.getClass().getRecordComponents()) {
                try {
                    m.put(c.getName(), render(c.getAccessor().invoke(r)));
                } catch (ReflectiveOperationException e) {
                    m.put(c.getName(), "?");
                }
            }
            return m;
        }
        return o;
    }
}
