package io.membrane.actors.monitor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.membrane.datapath.structs.Direction;
import io.membrane.datapath.structs.DropReason;
import io.membrane.datapath.structs.Notification;
import io.membrane.maps.net.Ipv6Prefix;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The one decoded form of an event, shared by the API's SSE stream, {@code membrane monitor --json} and the
 * monitor socket (v1): a flat JSON object per event, keys in snake_case after the C struct fields, and a
 * human-readable line like {@code cilium monitor}'s.
 *
 * <p>JSON (schema 1; absent keys are absent, never null):
 * <pre>
 * every event   type ("drop" | "policy-verdict" | "lost" | "unknown"), seq, time (ISO-8601 UTC), cpu
 * drop          source_endpoint, reason {label, code, description}, src_identity, dst_identity, ifindex,
 *               length (frame bytes); when an IP header was parsed: src, dst, sport, dport, protocol (number),
 *               protocol_name, direction ("ingress" | "egress" | "unknown")
 * policy-verdict source_endpoint, verdict ("allow" | "deny"), verdict_code (0, or -reason), reason {..} when
 *               denied, match (none, L3, L3-L4, L4, all, L3-proto, proto), match_type (number),
 *               local_identity, remote_identity, ifindex, src, dst, sport, dport, protocol, protocol_name,
 *               direction
 * lost          lost (samples the kernel dropped on that CPU)
 * unknown       notify_type, subtype, source_endpoint, length, data (hex of the whole sample)
 * </pre>
 * {@link #parse} reads it back into the same {@link Event}, so a client can print either form.
 */
public final class EventFormat {
    /** The JSON schema version; the monitor protocol's v1 carries schema 1. */
    public static final int SCHEMA = 1;

    public static final String DROP = "drop";
    public static final String POLICY_VERDICT = "policy-verdict";
    public static final String LOST = "lost";
    public static final String UNKNOWN = "unknown";
    /** Every event type, as {@code type} in JSON and in filters. */
    public static final List<String> TYPES = List.of(DROP, POLICY_VERDICT, LOST, UNKNOWN);

    /** Thread-safe once configured; shared. */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private static final JsonFactory JSON = MAPPER.getFactory();
    private static final List<String> MATCH = List.of("none", "L3", "L3-L4", "L4", "all", "L3-proto", "proto");
    private static final HexFormat HEX = HexFormat.of();

    private EventFormat() {}

    /** The event's {@code type}: one of {@link #TYPES}. */
    public static String type(Event e) {
        if (e instanceof Event.Lost) {
            return LOST;
        }
        Notification n = ((Event.Sample) e).notification();
        if (n instanceof Notification.Drop) {
            return DROP;
        }
        if (n instanceof Notification.PolicyVerdict) {
            return POLICY_VERDICT;
        }
        return UNKNOWN;
    }

    /** The index of a type in {@link #TYPES}, for bit masks; -1 for an unknown name. */
    public static int typeIndex(String type) {
        return TYPES.indexOf(type);
    }

    /** The event's type as a bit: {@code 1 << typeIndex(type(e))}, without a string compare. */
    public static int typeBit(Event e) {
        if (e instanceof Event.Lost) {
            return 1 << 2;
        }
        Notification n = ((Event.Sample) e).notification();
        return n instanceof Notification.Drop ? 1 : n instanceof Notification.PolicyVerdict ? 1 << 1 : 1 << 3;
    }

    /** The name of a policy match type (0 none, 1 L3, 2 L3-L4, 3 L4, 4 all, 5 L3-proto, 6 proto). */
    public static String matchName(int matchType) {
        return matchType >= 0 && matchType < MATCH.size() ? MATCH.get(matchType) : "match-" + matchType;
    }

    // ---- JSON ----

    /** Writes one event as a JSON object. */
    public static void writeJson(Event e, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", type(e));
        g.writeNumberField("seq", e.seq());
        g.writeStringField("time", e.time().toString());
        g.writeNumberField("cpu", e.cpu());
        if (e instanceof Event.Lost l) {
            g.writeNumberField("lost", l.count());
        } else {
            Notification n = ((Event.Sample) e).notification();
            if (n instanceof Notification.Drop d) {
                g.writeNumberField("source_endpoint", d.source());
                writeReason(g, d.reason(), d.reasonCode());
                g.writeNumberField("src_identity", Integer.toUnsignedLong(d.sourceIdentity()));
                g.writeNumberField("dst_identity", Integer.toUnsignedLong(d.destinationIdentity()));
                g.writeNumberField("ifindex", Integer.toUnsignedLong(d.ifindex()));
                g.writeNumberField("length", Integer.toUnsignedLong(d.originalLength()));
                if (d.flow().isPresent()) {
                    writeFlow(g, d.flow().get());
                }
            } else if (n instanceof Notification.PolicyVerdict v) {
                g.writeNumberField("source_endpoint", v.source());
                g.writeStringField("verdict", v.allowed() ? "allow" : "deny");
                g.writeNumberField("verdict_code", v.verdict());
                if (v.verdict() < 0) {
                    writeReason(g, DropReason.of(-v.verdict()), -v.verdict());
                }
                g.writeStringField("match", matchName(v.matchType()));
                g.writeNumberField("match_type", v.matchType());
                g.writeNumberField("local_identity", Integer.toUnsignedLong(v.localIdentity()));
                g.writeNumberField("remote_identity", Integer.toUnsignedLong(v.remoteIdentity()));
                g.writeNumberField("ifindex", Integer.toUnsignedLong(v.ifindex()));
                writeFlow(g, v.flow());
            } else {
                Notification.Unknown u = (Notification.Unknown) n;
                g.writeNumberField("notify_type", u.type());
                g.writeNumberField("subtype", u.subtype());
                g.writeNumberField("source_endpoint", u.source());
                g.writeNumberField("length", u.raw().length);
                g.writeStringField("data", HEX.formatHex(u.raw()));
            }
        }
        g.writeEndObject();
    }

    private static void writeReason(JsonGenerator g, DropReason reason, int code) throws IOException {
        g.writeObjectFieldStart("reason");
        g.writeStringField("label", reason.label());
        g.writeNumberField("code", code);
        g.writeStringField("description", reason.description());
        g.writeEndObject();
    }

    private static void writeFlow(JsonGenerator g, Notification.Flow f) throws IOException {
        g.writeStringField("src", address(f.source()));
        g.writeStringField("dst", address(f.destination()));
        g.writeNumberField("sport", f.sourcePort());
        g.writeNumberField("dport", f.destinationPort());
        g.writeNumberField("protocol", f.protocol());
        g.writeStringField("protocol_name", f.protocolName());
        g.writeStringField("direction", f.direction().label());
    }

    /** Writes one event's JSON (UTF-8, no newline) to {@code out}; leaves {@code out} open. */
    public static void writeJson(Event e, OutputStream out) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            writeJson(e, g);
        }
    }

    public static byte[] jsonBytes(Event e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try {
            writeJson(e, out);
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return out.toByteArray();
    }

    public static String json(Event e) {
        return new String(jsonBytes(e), StandardCharsets.UTF_8);
    }

    /** The event as a Jackson tree (for routes that embed it in a larger response). */
    public static ObjectNode tree(Event e) {
        try {
            return (ObjectNode) MAPPER.readTree(jsonBytes(e));
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    /**
     * Reads an event back from its JSON.
     *
     * @throws IllegalArgumentException when it is not an event of schema 1
     */
    public static Event parse(byte[] json) {
        try {
            return fromTree(MAPPER.readTree(json));
        } catch (IOException x) {
            throw new IllegalArgumentException("event is not JSON: " + x.getMessage(), x);
        }
    }

    public static Event parse(String json) {
        return parse(json.getBytes(StandardCharsets.UTF_8));
    }

    public static Event fromTree(JsonNode j) {
        if (j == null || !j.isObject()) {
            throw new IllegalArgumentException("event must be a JSON object");
        }
        String type = text(j, "type");
        long seq = num(j, "seq");
        Instant time;
        try {
            time = Instant.parse(text(j, "time"));
        } catch (java.time.format.DateTimeParseException x) {
            throw new IllegalArgumentException("event time is not ISO-8601: " + j.get("time"), x);
        }
        int cpu = (int) num(j, "cpu");
        if (type.equals(LOST)) {
            return new Event.Lost(seq, time, cpu, num(j, "lost"));
        }
        Notification n =
                switch (type) {
                    case DROP -> drop(j);
                    case POLICY_VERDICT -> policyVerdict(j);
                    case UNKNOWN -> unknown(j);
                    default ->
                        throw new IllegalArgumentException("unknown event type \"" + type + "\"; known: " + TYPES);
                };
        return new Event.Sample(seq, time, cpu, n);
    }

    private static Notification.Drop drop(JsonNode j) {
        int code = (int) num(j.path("reason"), "code");
        Optional<Notification.Flow> flow = j.has("src") ? Optional.of(flow(j)) : Optional.empty();
        return new Notification.Drop(
                (int) num(j, "source_endpoint"),
                DropReason.of(code),
                code,
                (int) num(j, "src_identity"),
                (int) num(j, "dst_identity"),
                (int) num(j, "ifindex"),
                (int) num(j, "length"),
                flow);
    }

    private static Notification.PolicyVerdict policyVerdict(JsonNode j) {
        return new Notification.PolicyVerdict(
                (int) num(j, "source_endpoint"),
                (int) num(j, "local_identity"),
                (int) num(j, "remote_identity"),
                (int) num(j, "verdict_code"),
                (int) num(j, "ifindex"),
                (int) num(j, "match_type"),
                flow(j));
    }

    private static Notification.Unknown unknown(JsonNode j) {
        byte[] raw;
        try {
            raw = HEX.parseHex(text(j, "data"));
        } catch (IllegalArgumentException x) {
            throw new IllegalArgumentException("unknown event data is not hex", x);
        }
        return new Notification.Unknown(
                (int) num(j, "notify_type"), (int) num(j, "subtype"), (int) num(j, "source_endpoint"), raw);
    }

    private static Notification.Flow flow(JsonNode j) {
        return new Notification.Flow(
                inet(text(j, "src")),
                inet(text(j, "dst")),
                (int) num(j, "sport"),
                (int) num(j, "dport"),
                (int) num(j, "protocol"),
                direction(text(j, "direction")));
    }

    private static Direction direction(String label) {
        for (Direction d : Direction.values()) {
            if (d.label().equals(label)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown direction \"" + label + "\"");
    }

    private static InetAddress inet(String literal) {
        // Only literals: InetAddress.getByName would resolve a name through DNS.
        if (!literal.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("not an IP address literal: \"" + literal + "\"");
        }
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException x) {
            throw new IllegalArgumentException("not an IP address literal: \"" + literal + "\"", x);
        }
    }

    private static String text(JsonNode j, String field) {
        JsonNode v = j.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("event field \"" + field + "\" must be a string, was " + v);
        }
        return v.asText();
    }

    private static long num(JsonNode j, String field) {
        JsonNode v = j.get(field);
        if (v == null || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("event field \"" + field + "\" must be an integer, was " + v);
        }
        return v.asLong();
    }

    // ---- the human line ----

    /**
     * One line like {@code cilium monitor}'s:
     * <pre>
     * xx drop (Prefilter: source in deny list) flow 10.77.0.1 -> 10.77.0.2 icmp, ifindex 5, identity 0->0, ingress
     * Policy verdict: local EP ID 12, remote ID 1001, proto 6, ingress, action allow, match L3-L4, 10.78.0.11:40112 -> 10.78.0.12:8080 tcp
     * CPU 01: Lost 5 events
     * </pre>
     */
    public static String line(Event e) {
        StringBuilder sb = new StringBuilder(128);
        if (e instanceof Event.Lost l) {
            return sb.append("CPU ")
                    .append(String.format("%02d", l.cpu()))
                    .append(": Lost ")
                    .append(l.count())
                    .append(" events")
                    .toString();
        }
        Notification n = ((Event.Sample) e).notification();
        if (n instanceof Notification.Drop d) {
            sb.append("xx drop (")
                    .append(reasonText(d.reason(), d.reasonCode()))
                    .append(')');
            d.flow().ifPresent(f -> flowText(sb.append(" flow "), f));
            if (d.source() != 0) {
                sb.append(", endpoint ").append(d.source());
            }
            sb.append(", ifindex ")
                    .append(Integer.toUnsignedLong(d.ifindex()))
                    .append(", identity ")
                    .append(Integer.toUnsignedLong(d.sourceIdentity()))
                    .append("->")
                    .append(Integer.toUnsignedLong(d.destinationIdentity()));
            d.flow().ifPresent(f -> sb.append(", ").append(f.direction().label()));
            return sb.toString();
        }
        if (n instanceof Notification.PolicyVerdict v) {
            sb.append("Policy verdict: local EP ID ")
                    .append(v.source())
                    .append(", remote ID ")
                    .append(Integer.toUnsignedLong(v.remoteIdentity()))
                    .append(", proto ")
                    .append(v.flow().protocol())
                    .append(", ")
                    .append(v.flow().direction().label())
                    .append(", action ")
                    .append(v.allowed() ? "allow" : "deny");
            if (v.verdict() < 0) {
                sb.append(" (")
                        .append(reasonText(DropReason.of(-v.verdict()), -v.verdict()))
                        .append(')');
            }
            sb.append(", match ").append(matchName(v.matchType())).append(", ");
            return flowText(sb, v.flow()).toString();
        }
        Notification.Unknown u = (Notification.Unknown) n;
        return sb.append("?? unknown notification type ")
                .append(u.type())
                .append(", subtype ")
                .append(u.subtype())
                .append(", source endpoint ")
                .append(u.source())
                .append(", ")
                .append(u.raw().length)
                .append(" bytes, CPU ")
                .append(String.format("%02d", e.cpu()))
                .toString();
    }

    private static String reasonText(DropReason reason, int code) {
        return reason == DropReason.UNKNOWN ? reason.description() + " " + code : reason.description();
    }

    private static StringBuilder flowText(StringBuilder sb, Notification.Flow f) {
        boolean ports = f.protocol() == 6 || f.protocol() == 17 || f.protocol() == 132;
        endpoint(sb, f.source(), f.sourcePort(), ports).append(" -> ");
        endpoint(sb, f.destination(), f.destinationPort(), ports);
        return sb.append(' ').append(f.protocolName());
    }

    private static StringBuilder endpoint(StringBuilder sb, InetAddress a, int port, boolean withPort) {
        String text = address(a);
        if (!withPort) {
            return sb.append(text);
        }
        if (a instanceof Inet4Address) {
            return sb.append(text).append(':').append(port);
        }
        return sb.append('[').append(text).append("]:").append(port);
    }

    /** An address as text; IPv6 in the RFC 5952 short form ({@code fd00::1}, not {@code fd00:0:0:0:0:0:0:1}). */
    public static String address(InetAddress a) {
        return a instanceof Inet4Address ? a.getHostAddress() : Ipv6Prefix.addressText(a.getAddress());
    }
}
