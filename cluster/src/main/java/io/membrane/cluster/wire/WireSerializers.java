package io.membrane.cluster.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ImmutableSerializer;
import io.membrane.maps.net.Ipv6Prefix;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The hand-written Kryo serializers of {@link KryoRegistry}. Every length read from the stream is checked
 * against the bytes that remain before anything is allocated, so a payload cannot make the reader allocate
 * more than a small multiple of its own size (Kryo 5.6's own {@code Input.readString} allocates whatever
 * character count the stream claims).
 */
final class WireSerializers {
    private WireSerializers() {
    }

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
            ByteBuffer bytes;
            try {
                bytes = StandardCharsets.UTF_8.newEncoder()
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
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new KryoException("string is not valid UTF-8", e);
            }
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
}
