package io.membrane.cluster.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ImmutableSerializer;
import io.membrane.cluster.ddata.CidrSet;
import io.membrane.cluster.ddata.LwwDotMap;
import io.membrane.cluster.ddata.Versions;
import io.membrane.maps.net.Cidr;
import io.membrane.maps.net.Ipv4Prefix;
import io.membrane.maps.net.Ipv6Prefix;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.UniqueAddress;

/**
 * The hand-written Kryo serializers of {@link KryoRegistry}. Every length read from the stream is checked
 * against the bytes that remain before anything is allocated, so a payload cannot make the reader allocate
 * more than a small multiple of its own size (Kryo 5.6's own {@code Input.readString} allocates whatever
 * character count the stream claims).
 */
final class WireSerializers {
    private WireSerializers() {}

    /** Bytes left in a byte-array backed input: a claimed length above this is a lie. */
    static int remaining(Input input) {
        return input.limit() - input.position();
    }

    static int readLength(Input input, String what) {
        int n = input.readVarInt(true);
        if (n < 0 || n > remaining(input)) {
            throw new KryoException(what + ": length " + Integer.toUnsignedString(n) + " exceeds the "
                    + remaining(input) + " bytes left in the payload");
        }
        return n;
    }

    /**
     * Strings as a varint byte count and strict UTF-8 (malformed input is refused on both sides, never replaced).
     * Replaces Kryo's built-in String serializer (registration id 1).
     */
    static final class StringSerializer extends ImmutableSerializer<String> {
        @Override
        public void write(Kryo kryo, Output output, String s) {
            byte[] ascii = asciiBytes(s);
            if (ascii != null) {
                // Most of what goes on the wire (CIDRs, labels, addresses): no encoder to make per string.
                output.writeVarInt(ascii.length, true);
                output.writeBytes(ascii);
                return;
            }
            ByteBuffer bytes;
            try {
                bytes = StandardCharsets.UTF_8
                        .newEncoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .encode(CharBuffer.wrap(s));
            } catch (CharacterCodingException e) {
                throw new KryoException("string is not valid UTF-16 (unpaired surrogate)", e);
            }
            output.writeVarInt(bytes.remaining(), true);
            output.writeBytes(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
        }

        @Override
        public String read(Kryo kryo, Input input, Class<? extends String> type) {
            int n = readLength(input, "string");
            byte[] bytes = input.readBytes(n);
            if (isAscii(bytes)) {
                return new String(bytes, StandardCharsets.US_ASCII);
            }
            try {
                return StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new KryoException("string is not valid UTF-8", e);
            }
        }

        /**
         * The string's bytes if it is all ASCII, else null. Latin-1 encoding copies a compact string's bytes at once;
         * it writes '?' for a character it cannot map (one for a surrogate pair), hence the length and '?' checks.
         */
        private static byte[] asciiBytes(String s) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            if (b.length != s.length()) {
                return null;
            }
            for (int i = 0; i < b.length; i++) {
                if (b[i] < 0 || (b[i] == '?' && s.charAt(i) != '?')) {
                    return null;
                }
            }
            return b;
        }

        private static boolean isAscii(byte[] b) {
            for (byte x : b) {
                if (x < 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The JDK's immutable lists ({@code List.of}, {@code List.copyOf}): a varint count, then each element with its
     * class id. Null elements are refused on both sides; a list is always read back as an immutable
     * {@code List.of(...)}.
     */
    static final class ImmutableListSerializer extends Serializer<List<?>> {
        ImmutableListSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output output, List<?> list) {
            output.writeVarInt(list.size(), true);
            for (Object element : list) {
                if (element == null) {
                    throw new KryoException("null list element: wire lists hold no nulls");
                }
                kryo.writeClassAndObject(output, element);
            }
        }

        @Override
        public List<?> read(Kryo kryo, Input input, Class<? extends List<?>> type) {
            // Every element takes at least one byte (its class id), so the count is bounded by what remains.
            int n = readLength(input, "list");
            Object[] elements = new Object[n];
            for (int i = 0; i < n; i++) {
                Object element = kryo.readClassAndObject(input);
                if (element == null) {
                    throw new KryoException("null list element at index " + i);
                }
                elements[i] = element;
            }
            return List.of(elements);
        }
    }

    /** An IPv6 prefix as its 16 address bytes and the prefix length (one byte, 0..128). */
    static final class Ipv6PrefixSerializer extends ImmutableSerializer<Ipv6Prefix> {
        @Override
        public void write(Kryo kryo, Output output, Ipv6Prefix p) {
            output.writeBytes(p.addressBytes());
            output.writeByte(p.length());
        }

        @Override
        public Ipv6Prefix read(Kryo kryo, Input input, Class<? extends Ipv6Prefix> type) {
            byte[] address = input.readBytes(16);
            int length = input.readByteUnsigned();
            return new Ipv6Prefix(address, length); // validates 0..128, clears host bits
        }
    }

    /**
     * The node table of a dotted value ({@link CidrSet}, {@link LwwDotMap}): how many, then each node's address and
     * incarnation in ascending order; answers each node's index in the table.
     */
    static Map<UniqueAddress, Integer> writeNodes(Output output, TreeSet<UniqueAddress> nodes) {
        Map<UniqueAddress, Integer> index = new HashMap<>();
        output.writeVarInt(nodes.size(), true);
        for (UniqueAddress node : nodes) {
            index.put(node, index.size());
            Address a = node.address();
            if (a.host().isEmpty() || a.port().isEmpty()) {
                throw new KryoException("node address without host or port: " + a);
            }
            writeString(output, a.protocol());
            writeString(output, a.system());
            writeString(output, a.host().get());
            output.writeVarInt((Integer) a.port().get(), true);
            output.writeLong(node.longUid());
        }
        return index;
    }

    /** A node table as {@link #writeNodes} wrote it, refused when out of order; {@code what} names the value. */
    static UniqueAddress[] readNodes(Input input, String what) {
        // A node takes at least 12 bytes (three string lengths, a port, an 8-byte uid).
        int n = readLength(input, what + " nodes");
        if (n > remaining(input) / 12) {
            throw new KryoException(what + ": " + n + " nodes cannot fit in " + remaining(input) + " bytes");
        }
        UniqueAddress[] nodes = new UniqueAddress[n];
        for (int i = 0; i < n; i++) {
            String protocol = readString(input);
            String system = readString(input);
            String host = readString(input);
            int port = input.readVarInt(true);
            if (port <= 0 || port > 65_535) {
                throw new KryoException(what + ": node port " + Integer.toUnsignedString(port) + " out of range");
            }
            nodes[i] = new UniqueAddress(new Address(protocol, system, host, port), input.readLong());
            if (i > 0 && nodes[i - 1].compareTo(nodes[i]) >= 0) {
                throw new KryoException(what + ": nodes not in ascending order at " + nodes[i]);
            }
        }
        return nodes;
    }

    static void addNodes(Versions v, TreeSet<UniqueAddress> nodes) {
        for (int i = 0; i < v.size(); i++) {
            nodes.add(v.node(i));
        }
    }

    static void writeVersions(Output output, Versions v, Map<UniqueAddress, Integer> index) {
        output.writeVarInt(v.size(), true);
        for (int i = 0; i < v.size(); i++) {
            output.writeVarInt(index.get(v.node(i)), true);
            output.writeVarLong(v.counter(i), true);
        }
    }

    static Versions readVersions(Input input, UniqueAddress[] nodes) {
        int n = readLength(input, "dot versions");
        if (n > nodes.length) {
            throw new KryoException("dots: " + n + " versions but only " + nodes.length + " nodes");
        }
        UniqueAddress[] which = new UniqueAddress[n];
        long[] counters = new long[n];
        for (int i = 0; i < n; i++) {
            which[i] = nodeAt(input, nodes, "dots: node");
            counters[i] = input.readVarLong(true);
        }
        try {
            return Versions.of(which, counters);
        } catch (IllegalArgumentException e) {
            throw new KryoException("dots: " + e.getMessage(), e);
        }
    }

    /** The node a varint index names in {@code nodes}; {@code what} names the index in the error. */
    static UniqueAddress nodeAt(Input input, UniqueAddress[] nodes, String what) {
        int index = input.readVarInt(true);
        if (index < 0 || index >= nodes.length) {
            throw new KryoException(what + " index " + Integer.toUnsignedString(index) + " of " + nodes.length);
        }
        return nodes[index];
    }

    static void writeString(Output output, String s) {
        STRINGS.write(null, output, s);
    }

    static String readString(Input input) {
        return STRINGS.read(null, input, String.class);
    }

    /**
     * A {@link CidrSet} in a canonical form, so that equal sets make equal bytes (the replicator compares
     * replicas by a digest of their serialized value): a table of the nodes that appear, ascending; the set's
     * version vector as (node index, counter) pairs; then the elements in ascending order, each as a family tag,
     * its address and length, and its dots. An IPv4 element with one dot takes about 9 bytes. Reading refuses
     * anything out of order, so a payload cannot smuggle in a duplicate or a second spelling of an element.
     */
    static final class CidrSetSerializer extends ImmutableSerializer<CidrSet> {
        private static final int V4 = 4;
        private static final int V6 = 6;

        @Override
        public void write(Kryo kryo, Output output, CidrSet set) {
            TreeSet<UniqueAddress> nodes = new TreeSet<>();
            addNodes(set.versions(), nodes);
            set.dots().values().forEach(v -> addNodes(v, nodes));
            Map<UniqueAddress, Integer> index = writeNodes(output, nodes);
            writeVersions(output, set.versions(), index);
            List<Cidr> elements = new ArrayList<>(set.elements());
            elements.sort(null);
            output.writeVarInt(elements.size(), true);
            for (Cidr c : elements) {
                if (c instanceof Cidr.V4 v4) {
                    output.writeByte(V4);
                    output.writeInt(v4.prefix().address());
                    output.writeByte(v4.prefix().length());
                } else {
                    Ipv6Prefix p = ((Cidr.V6) c).prefix();
                    output.writeByte(V6);
                    output.writeBytes(p.addressBytes());
                    output.writeByte(p.length());
                }
                writeVersions(output, set.dots().get(c), index);
            }
        }

        @Override
        public CidrSet read(Kryo kryo, Input input, Class<? extends CidrSet> type) {
            UniqueAddress[] nodes = readNodes(input, "cidr set");
            Versions versions = readVersions(input, nodes);
            int count = readLength(input, "cidr set elements");
            Map<Cidr, Versions> dots = new HashMap<>(count * 4 / 3 + 1);
            Cidr previous = null;
            for (int i = 0; i < count; i++) {
                Cidr c = readCidr(input);
                if (previous != null && previous.compareTo(c) >= 0) {
                    throw new KryoException("cidr set: elements not in ascending order at " + c);
                }
                previous = c;
                dots.put(c, readVersions(input, nodes));
            }
            try {
                return CidrSet.of(dots, versions);
            } catch (IllegalArgumentException e) {
                throw new KryoException("cidr set: " + e.getMessage(), e);
            }
        }

        private static Cidr readCidr(Input input) {
            int family = input.readByteUnsigned();
            try {
                if (family == V4) {
                    int address = input.readInt();
                    Ipv4Prefix p = new Ipv4Prefix(address, input.readByteUnsigned());
                    if (p.address() != address) {
                        throw new KryoException("cidr set: " + p + " written with host bits set");
                    }
                    return new Cidr.V4(p);
                }
                if (family == V6) {
                    byte[] address = input.readBytes(16);
                    Ipv6Prefix p = new Ipv6Prefix(address, input.readByteUnsigned());
                    if (!Arrays.equals(p.addressBytes(), address)) {
                        throw new KryoException("cidr set: " + p + " written with host bits set");
                    }
                    return new Cidr.V6(p);
                }
            } catch (IllegalArgumentException e) {
                throw new KryoException("cidr set: " + e.getMessage(), e);
            }
            throw new KryoException("cidr set: unknown address family tag " + family);
        }
    }

    /**
     * An {@link LwwDotMap} in a canonical form, as {@link CidrSetSerializer} writes a set: the node table (versions,
     * dots and writers), the map's versions, then the entries in ascending key order, each as its key (Kryo, by
     * registered class), the value's timestamp, the writer's index, the dots and the value (Kryo). Reading refuses
     * keys out of order or not comparable, and a null value.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    static final class LwwDotMapSerializer extends ImmutableSerializer<LwwDotMap> {
        @Override
        public void write(Kryo kryo, Output output, LwwDotMap map) {
            Map<Comparable, LwwDotMap.Slot> slots = map.slots();
            TreeSet<UniqueAddress> nodes = new TreeSet<>();
            addNodes(map.versions(), nodes);
            slots.values().forEach(slot -> {
                addNodes(slot.dots(), nodes);
                nodes.add(slot.writer());
            });
            Map<UniqueAddress, Integer> index = writeNodes(output, nodes);
            writeVersions(output, map.versions(), index);
            List<Comparable> keys = new ArrayList<>(slots.keySet());
            keys.sort(null);
            output.writeVarInt(keys.size(), true);
            for (Comparable key : keys) {
                LwwDotMap.Slot slot = slots.get(key);
                kryo.writeClassAndObject(output, key);
                output.writeLong(slot.timestamp());
                output.writeVarInt(index.get(slot.writer()), true);
                writeVersions(output, slot.dots(), index);
                kryo.writeClassAndObject(output, slot.value());
            }
        }

        @Override
        public LwwDotMap read(Kryo kryo, Input input, Class<? extends LwwDotMap> type) {
            UniqueAddress[] nodes = readNodes(input, "lww map");
            Versions versions = readVersions(input, nodes);
            int count = readLength(input, "lww map entries");
            Map<Comparable, LwwDotMap.Slot> slots = new HashMap<>(count * 4 / 3 + 1);
            Comparable previous = null;
            for (int i = 0; i < count; i++) {
                if (!(kryo.readClassAndObject(input) instanceof Comparable key)) {
                    throw new KryoException("lww map: a key that is not comparable");
                }
                if (previous != null && previous.compareTo(key) >= 0) {
                    throw new KryoException("lww map: keys not in ascending order at " + key);
                }
                previous = key;
                long timestamp = input.readLong();
                UniqueAddress writer = nodeAt(input, nodes, "lww map: writer");
                Versions dots = readVersions(input, nodes);
                Object value = kryo.readClassAndObject(input);
                if (value == null) {
                    throw new KryoException("lww map: no value for " + key);
                }
                slots.put(key, new LwwDotMap.Slot(value, timestamp, writer, dots));
            }
            try {
                return LwwDotMap.of((Map) slots, versions);
            } catch (IllegalArgumentException e) {
                throw new KryoException("lww map: " + e.getMessage(), e);
            }
        }
    }

    private static final StringSerializer STRINGS = new StringSerializer();
}
