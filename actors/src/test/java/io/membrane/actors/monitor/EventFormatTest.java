package io.membrane.actors.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.membrane.datapath.structs.Notification;
import java.net.InetAddress;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The JSON and the human line of each event kind, and the JSON read back into the same event. */
class EventFormatTest {
    static final Instant T = Instant.parse("2025-03-01T12:00:00.123456Z");

    static Event.Sample sample(long seq, int cpu, byte[] bytes) {
        return new Event.Sample(seq, T, cpu, Notification.decode(bytes));
    }

    @Test
    void prefilterDropLineAndJson() throws Exception {
        Event e = sample(7, 1, Samples.prefilterDrop("10.77.0.1", "10.77.0.2", 5));
        assertEquals(
                "xx drop (Prefilter: source in deny list) flow 10.77.0.1 -> 10.77.0.2 icmp, ifindex 5, "
                        + "identity 0->0, ingress",
                EventFormat.line(e));

        JsonNode j = EventFormat.MAPPER.readTree(EventFormat.json(e));
        assertEquals("drop", j.get("type").asText());
        assertEquals(7, j.get("seq").asLong());
        assertEquals("2025-03-01T12:00:00.123456Z", j.get("time").asText());
        assertEquals(1, j.get("cpu").asInt());
        assertEquals("prefilter", j.at("/reason/label").asText());
        assertEquals(240, j.at("/reason/code").asInt());
        assertEquals(
                "Prefilter: source in deny list", j.at("/reason/description").asText());
        assertEquals("10.77.0.1", j.get("src").asText());
        assertEquals("10.77.0.2", j.get("dst").asText());
        assertEquals(1, j.get("protocol").asInt());
        assertEquals("icmp", j.get("protocol_name").asText());
        assertEquals("ingress", j.get("direction").asText());
        assertEquals(5, j.get("ifindex").asInt());
        assertEquals(0, j.get("source_endpoint").asInt());
        assertEquals(98, j.get("length").asInt());
        assertEquals(0, j.get("src_identity").asInt());
        assertEquals(0, j.get("dst_identity").asInt());
        assertEquals(e, EventFormat.parse(EventFormat.json(e)));
    }

    @Test
    void policyDropFromAnEndpointWithPorts() {
        Event e = sample(3, 0, Samples.drop(133, 12, 1001, 1002, 7, 74, "10.78.0.11", "10.78.0.12", 40112, 9090, 6, 1));
        assertEquals(
                "xx drop (Policy denied) flow 10.78.0.11:40112 -> 10.78.0.12:9090 tcp, endpoint 12, "
                        + "ifindex 7, identity 1001->1002, ingress",
                EventFormat.line(e));
        assertEquals(e, EventFormat.parse(EventFormat.jsonBytes(e)));
    }

    @Test
    void dropWithoutFlowHasNoAddresses() throws Exception {
        Event e = sample(4, 2, Samples.drop(134, 0, 0, 0, 3, 30, null, null, 0, 0, 0, 0));
        assertEquals("xx drop (Invalid packet), ifindex 3, identity 0->0", EventFormat.line(e));
        JsonNode j = EventFormat.tree(e);
        assertFalse(j.has("src"));
        assertFalse(j.has("direction"));
        assertEquals(e, EventFormat.fromTree(j));
    }

    @Test
    void unknownReasonShowsItsCode() {
        Event e = sample(5, 0, Samples.drop(199, 0, 0, 0, 3, 60, "10.0.0.1", "10.0.0.2", 1, 2, 17, 2));
        assertEquals(
                "xx drop (Unknown reason 199) flow 10.0.0.1:1 -> 10.0.0.2:2 udp, ifindex 3, identity 0->0, " + "egress",
                EventFormat.line(e));
        assertEquals(199, EventFormat.tree(e).at("/reason/code").asInt());
        assertEquals("unknown", EventFormat.tree(e).at("/reason/label").asText());
        assertEquals(e, EventFormat.parse(EventFormat.json(e)));
    }

    @Test
    void allowVerdictLineAndJson() {
        Event e = sample(9, 3, Samples.verdict(12, 1002, 1001, 0, 7, 2, "10.78.0.11", "10.78.0.12", 40112, 8080, 6, 1));
        assertEquals(
                "Policy verdict: local EP ID 12, remote ID 1001, proto 6, ingress, action allow, "
                        + "match L3-L4, 10.78.0.11:40112 -> 10.78.0.12:8080 tcp",
                EventFormat.line(e));
        JsonNode j = EventFormat.tree(e);
        assertEquals("policy-verdict", j.get("type").asText());
        assertEquals("allow", j.get("verdict").asText());
        assertEquals(0, j.get("verdict_code").asInt());
        assertFalse(j.has("reason"));
        assertEquals("L3-L4", j.get("match").asText());
        assertEquals(2, j.get("match_type").asInt());
        assertEquals(1002, j.get("local_identity").asInt());
        assertEquals(1001, j.get("remote_identity").asInt());
        assertEquals(12, j.get("source_endpoint").asInt());
        assertEquals(40112, j.get("sport").asInt());
        assertEquals(8080, j.get("dport").asInt());
        assertEquals(e, EventFormat.fromTree(j));
    }

    @Test
    void denyVerdictNamesTheReason() {
        Event e = sample(10, 0, Samples.verdict(12, 1002, 2, -133, 7, 0, "fd00::b", "fd00::c", 5555, 9090, 6, 2));
        assertEquals(
                "Policy verdict: local EP ID 12, remote ID 2, proto 6, egress, action deny (Policy denied), "
                        + "match none, [fd00::b]:5555 -> [fd00::c]:9090 tcp",
                EventFormat.line(e));
        JsonNode j = EventFormat.tree(e);
        assertEquals("deny", j.get("verdict").asText());
        assertEquals(-133, j.get("verdict_code").asInt());
        assertEquals("policy_denied", j.at("/reason/label").asText());
        assertEquals("fd00::b", j.get("src").asText());
        assertEquals(e, EventFormat.fromTree(j));
    }

    @Test
    void lostLineAndJson() {
        Event e = new Event.Lost(11, T, 1, 5);
        assertEquals("CPU 01: Lost 5 events", EventFormat.line(e));
        JsonNode j = EventFormat.tree(e);
        assertEquals("lost", j.get("type").asText());
        assertEquals(5, j.get("lost").asLong());
        assertEquals(1, j.get("cpu").asInt());
        assertEquals(e, EventFormat.fromTree(j));
    }

    @Test
    void unknownNotificationKeepsItsBytes() {
        Event.Sample e = sample(12, 0, Samples.unknown(9, 3, 16));
        assertEquals(
                "?? unknown notification type 9, subtype 3, source endpoint 0, 16 bytes, CPU 00", EventFormat.line(e));
        JsonNode j = EventFormat.tree(e);
        assertEquals("unknown", j.get("type").asText());
        assertEquals(9, j.get("notify_type").asInt());
        assertEquals("0903000010000000" + "00".repeat(8), j.get("data").asText());
        Event.Sample back = (Event.Sample) EventFormat.fromTree(j);
        Notification.Unknown u = (Notification.Unknown) back.notification();
        assertEquals(9, u.type());
        assertEquals(16, u.raw().length);
    }

    @Test
    void typesAndBits() {
        assertEquals("drop", EventFormat.type(sample(1, 0, Samples.prefilterDrop("1.2.3.4", "5.6.7.8", 1))));
        assertEquals(1, EventFormat.typeBit(sample(1, 0, Samples.prefilterDrop("1.2.3.4", "5.6.7.8", 1))));
        assertEquals(1 << EventFormat.typeIndex("lost"), EventFormat.typeBit(new Event.Lost(1, T, 0, 1)));
        assertEquals(
                1 << EventFormat.typeIndex("unknown"), EventFormat.typeBit(sample(1, 0, Samples.unknown(9, 0, 8))));
        assertEquals(-1, EventFormat.typeIndex("trace"));
    }

    @Test
    void ipv6AddressesAreShort() throws Exception {
        assertEquals("fd00::1", EventFormat.address(InetAddress.getByName("fd00:0:0:0:0:0:0:1")));
        assertEquals("::", EventFormat.address(InetAddress.getByName("::")));
        assertEquals("2001:db8::1:0:0:1", EventFormat.address(InetAddress.getByName("2001:db8:0:0:1:0:0:1")));
        assertEquals("2001:db8:0:1:1:1:1:1", EventFormat.address(InetAddress.getByName("2001:db8:0:1:1:1:1:1")));
        assertEquals("fe80::", EventFormat.address(InetAddress.getByName("fe80::")));
    }

    @Test
    void malformedJsonIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> EventFormat.parse("not json"));
        assertThrows(
                IllegalArgumentException.class,
                () -> EventFormat.parse(
                        "{\"type\":\"trace\",\"seq\":1," + "\"time\":\"2025-03-01T12:00:00Z\",\"cpu\":0}"));
        IllegalArgumentException x = assertThrows(
                IllegalArgumentException.class,
                () -> EventFormat.parse("{\"type\":\"lost\",\"seq\":1,\"time\":\"2025-03-01T12:00:00Z\",\"cpu\":0}"));
        assertTrue(x.getMessage().contains("lost"), x.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> EventFormat.parse("{\"type\":\"drop\",\"seq\":1,"
                        + "\"time\":\"2025-03-01T12:00:00Z\",\"cpu\":0,\"source_endpoint\":0,\"reason\":{\"code\":240},"
                        + "\"src_identity\":0,\"dst_identity\":0,\"ifindex\":1,\"length\":1,\"src\":\"example.com\","
                        + "\"dst\":\"1.2.3.4\",\"sport\":0,\"dport\":0,\"protocol\":1,\"direction\":\"ingress\"}"));
    }
}
