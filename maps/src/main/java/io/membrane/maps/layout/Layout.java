package io.membrane.maps.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * How one C struct is laid out in memory and how a Java value is written to and read from those bytes. A
 * layout names the C struct it mirrors and each member with its offset, so that the datapath can compare it
 * with the BTF of a compiled object and say which member disagrees. Encoding works on a little-endian
 * {@link ByteBuffer} at an absolute base offset, which lets one buffer hold a batch of keys back to back.
 *
 * <p>A struct shared with C is declared once with {@link #struct}: each member in C order with its C name,
 * its kind and the Java accessor that gives its value; offsets follow from the order, and the codec is
 * derived from the declaration, so no offset is written twice. {@link #of} remains for layouts that mirror no
 * C struct (a per-CPU value buffer, test fixtures).
 *
 * @param <T> the Java value this struct carries
 */
public final class Layout<T> {
    /** Writes a value's bytes at {@code base}; the buffer is little-endian and its position is not used. */
    @FunctionalInterface
    public interface Writer<T> {
        void write(T value, ByteBuffer buf, int base);
    }

    /** Reads a value from the bytes at {@code base}. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(ByteBuffer buf, int base);
    }

    public static final Layout<Byte> U8 =
            Layout.<Byte>struct("__u8").u8("value", Byte::intValue).build(m -> (byte) m.u8("value"));
    public static final Layout<Integer> U32 =
            Layout.<Integer>struct("__u32").u32("value", Integer::intValue).build(m -> m.u32("value"));
    public static final Layout<Long> U64 =
            Layout.<Long>struct("__u64").u64("value", Long::longValue).build(m -> m.u64("value"));

    private final String cName;
    private final int size;
    private final int alignment;
    private final List<Field> fields;
    private final Writer<T> writer;
    private final Reader<T> reader;

    private Layout(String cName, int size, int alignment, List<Field> fields, Writer<T> writer, Reader<T> reader) {
        this.cName = Objects.requireNonNull(cName);
        this.size = size;
        this.alignment = alignment;
        this.fields = List.copyOf(fields);
        this.writer = Objects.requireNonNull(writer);
        this.reader = Objects.requireNonNull(reader);
        validate();
    }

    /**
     * Declares the layout of {@code struct cName} with a hand-written codec: its size including tail padding,
     * and its members. Members must lie inside the struct and must not overlap. Prefer {@link #struct}, which
     * derives the codec from the members.
     */
    public static <T> Layout<T> of(String cName, int size, List<Field> fields, Writer<T> writer, Reader<T> reader) {
        return new Layout<>(cName, size, naturalAlignment(fields), fields, writer, reader);
    }

    /**
     * Starts the one declaration of {@code struct cName}. Members are added in C order; {@link Builder#build}
     * refuses a member the C compiler would not place right after the one before it, so every hole must be
     * declared as the named pad member the C struct has.
     */
    public static <T> Builder<T> struct(String cName) {
        return new Builder<>(cName);
    }

    private static int naturalAlignment(List<Field> fields) {
        return fields.stream().mapToInt(f -> f.kind().alignment()).max().orElse(1);
    }

    private void validate() {
        if (size <= 0) {
            throw new IllegalArgumentException(cName + ": size must be positive, was " + size);
        }
        List<Field> sorted = new ArrayList<>(fields);
        sorted.sort(Comparator.comparingInt(Field::offset));
        int end = 0;
        for (Field f : sorted) {
            if (f.offset() < end) {
                throw new IllegalArgumentException(cName + "." + f.name() + " at offset " + f.offset()
                        + " overlaps the member before it (which ends at " + end + ")");
            }
            if (f.end() > size) {
                throw new IllegalArgumentException(
                        cName + "." + f.name() + " ends at " + f.end() + ", past the struct size " + size);
            }
            end = f.end();
        }
    }

    public String cName() {
        return cName;
    }

    /** sizeof(struct), tail padding included. */
    public int size() {
        return size;
    }

    /** _Alignof(struct): the largest alignment of its members, as C places it inside another struct. */
    public int alignment() {
        return alignment;
    }

    public List<Field> fields() {
        return Collections.unmodifiableList(fields);
    }

    /** The declared struct a member is ({@code struct notify_hdr hdr}); empty for any other member. */
    public Optional<Layout<?>> nestedStruct(String memberName) {
        if (writer instanceof Declared<?> declared) {
            return declared.members.stream()
                    .filter(m -> m.field.name().equals(memberName) && m.nested != null)
                    .<Layout<?>>map(Member::nested)
                    .findFirst();
        }
        return Optional.empty();
    }

    public void write(T value, ByteBuffer buf, int base) {
        writer.write(value, buf, base);
    }

    public T read(ByteBuffer buf, int base) {
        return reader.read(buf, base);
    }

    /** The exact bytes the kernel sees for this value (padding zero). */
    public byte[] toBytes(T value) {
        ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        writer.write(value, buf, 0);
        return buf.array();
    }

    public T fromBytes(byte[] bytes) {
        if (bytes.length != size) {
            throw new IllegalArgumentException(cName + ": expected " + size + " bytes, got " + bytes.length);
        }
        return reader.read(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), 0);
    }

    /** Per-CPU maps give each CPU's value a slot rounded up to 8 bytes, as the kernel copies them. */
    public int perCpuSlotSize() {
        return (size + 7) & ~7;
    }

    @Override
    public String toString() {
        return "struct " + cName + " (" + size + " bytes)";
    }

    /**
     * The members of one struct in a buffer, read by their C names: what a declared layout's reader builds
     * its value from. Asking for a member the declaration does not have, or as another kind than declared,
     * fails naming the struct and the member.
     */
    public static final class Members {
        private final Declared<?> layout;
        private final ByteBuffer buf;
        private final int base;

        private Members(Declared<?> layout, ByteBuffer buf, int base) {
            this.layout = layout;
            this.buf = buf;
            this.base = base;
        }

        public int u8(String name) {
            return buf.get(at(name, Field.Kind.U8)) & 0xff;
        }

        public int u16(String name) {
            return buf.getShort(at(name, Field.Kind.U16)) & 0xffff;
        }

        /** A {@code __u32} (or {@code __s32}) as Java's int: read it unsigned where the meaning needs it. */
        public int u32(String name) {
            return buf.getInt(at(name, Field.Kind.U32));
        }

        public long u64(String name) {
            return buf.getLong(at(name, Field.Kind.U64));
        }

        /** A network-order 16-bit member as its number (port 8080 reads 8080). */
        public int be16(String name) {
            return Short.reverseBytes(buf.getShort(at(name, Field.Kind.BE16))) & 0xffff;
        }

        /** A network-order 32-bit member as its number, first byte most significant. */
        public int be32(String name) {
            return Integer.reverseBytes(buf.getInt(at(name, Field.Kind.BE32)));
        }

        /** A byte array member, all of it. */
        public byte[] bytes(String name) {
            return bytes(name, layout.member(name).field.size());
        }

        /** The first {@code length} bytes of a byte array member (an IPv4 address in a 16-byte field). */
        public byte[] bytes(String name, int length) {
            Member<?> m = layout.member(name);
            if (length < 0 || length > m.field.size()) {
                throw new IllegalArgumentException(
                        layout.cName() + "." + name + ": " + length + " bytes of " + m.field.size());
            }
            byte[] out = new byte[length];
            buf.get(at(name, Field.Kind.BYTES), out, 0, length);
            return out;
        }

        /** A nested struct member, read through its own declared layout. */
        public <N> N struct(String name, Layout<N> nested) {
            Member<?> m = layout.member(name);
            if (m.nested != nested) {
                throw new IllegalArgumentException(layout.cName() + "." + name + " is not declared as " + nested);
            }
            return nested.read(buf, base + m.field.offset());
        }

        private int at(String name, Field.Kind kind) {
            Member<?> m = layout.member(name);
            if (m.field.kind() != kind || m.nested != null) {
                throw new IllegalArgumentException(layout.cName() + "." + name + " is declared "
                        + (m.nested != null ? "struct " + m.nested.cName() : m.field.kind()) + ", read as " + kind);
            }
            return base + m.field.offset();
        }
    }

    /** Writes one member's bytes at its absolute position. */
    @FunctionalInterface
    private interface MemberWriter<T> {
        void write(T value, ByteBuffer buf, int at);
    }

    /** One declared member: where it lies, how its value is written, and the nested layout if it is a struct. */
    private record Member<T>(Field field, MemberWriter<T> writer, Layout<?> nested) {}

    /** The codec derived from a declaration: every member written in order, every member readable by name. */
    private static final class Declared<T> implements Writer<T>, Reader<T> {
        private final String cName;
        private final List<Member<T>> members;
        private final Function<Members, T> construct;

        Declared(String cName, List<Member<T>> members, Function<Members, T> construct) {
            this.cName = cName;
            this.members = List.copyOf(members);
            this.construct = construct;
        }

        String cName() {
            return cName;
        }

        Member<T> member(String name) {
            for (Member<T> m : members) {
                if (m.field.name().equals(name)) {
                    return m;
                }
            }
            throw new IllegalArgumentException(cName + "." + name + ": no such member in the declaration");
        }

        @Override
        public void write(T value, ByteBuffer buf, int base) {
            for (Member<T> m : members) {
                m.writer.write(value, buf, base + m.field.offset());
            }
        }

        @Override
        public T read(ByteBuffer buf, int base) {
            return construct.apply(new Members(this, buf, base));
        }
    }

    /**
     * The one declaration of a struct, member by member in C order. Each member names the accessor that gives
     * its value from the Java value; enums and derived numbers map in that accessor
     * ({@code k -> k.direction().code()}) and back in the reader given to {@link #build}.
     */
    public static final class Builder<T> {
        private final String cName;
        private final List<Member<T>> members = new ArrayList<>();
        private int offset;
        private int alignment = 1;

        private Builder(String cName) {
            this.cName = Objects.requireNonNull(cName);
        }

        public Builder<T> u8(String name, ToIntFunction<T> value) {
            return add(Field.u8(name, offset), (v, b, at) -> b.put(at, (byte) value.applyAsInt(v)));
        }

        public Builder<T> u16(String name, ToIntFunction<T> value) {
            return add(Field.u16(name, offset), (v, b, at) -> b.putShort(at, (short) value.applyAsInt(v)));
        }

        public Builder<T> u32(String name, ToIntFunction<T> value) {
            return add(Field.u32(name, offset), (v, b, at) -> b.putInt(at, value.applyAsInt(v)));
        }

        public Builder<T> u64(String name, ToLongFunction<T> value) {
            return add(Field.u64(name, offset), (v, b, at) -> b.putLong(at, value.applyAsLong(v)));
        }

        /** A {@code __be16}: the accessor gives the number, the bytes are written most significant first. */
        public Builder<T> be16(String name, ToIntFunction<T> value) {
            return add(
                    Field.be16(name, offset),
                    (v, b, at) -> b.putShort(at, Short.reverseBytes((short) value.applyAsInt(v))));
        }

        /** A {@code __be32}: the accessor gives the number (an IPv4 address, first octet most significant). */
        public Builder<T> be32(String name, ToIntFunction<T> value) {
            return add(Field.be32(name, offset), (v, b, at) -> b.putInt(at, Integer.reverseBytes(value.applyAsInt(v))));
        }

        /**
         * A {@code __u8 name[size]} copied as is; a shorter array (an IPv4 address in a 16-byte field) fills the
         * front and the rest is zero.
         */
        public Builder<T> bytes(String name, int size, Function<T, byte[]> value) {
            return add(Field.bytes(name, offset, size), (v, b, at) -> {
                byte[] bytes = value.apply(v);
                if (bytes.length > size) {
                    throw new IllegalArgumentException(
                            cName + "." + name + " holds " + size + " bytes, got " + bytes.length);
                }
                b.put(at, bytes, 0, bytes.length);
                zero(b, at + bytes.length, size - bytes.length);
            });
        }

        /** A named hole of the C struct, always written as zero (hash keys compare every byte). */
        public Builder<T> padding(String name, int size) {
            return add(Field.padding(name, offset, size), (v, b, at) -> zero(b, at, size));
        }

        /**
         * A member that is itself a declared struct ({@code struct notify_hdr hdr}). It is listed in
         * {@link Layout#fields()} as bytes of the nested struct's size, and read with
         * {@link Members#struct}.
         */
        public <N> Builder<T> struct(String name, Layout<N> nested, Function<T, N> value) {
            Field field = new Field(name, offset, nested.size(), Field.Kind.BYTES);
            members.add(new Member<>(
                    aligned(field, nested.alignment()), (v, b, at) -> nested.write(value.apply(v), b, at), nested));
            alignment = Math.max(alignment, nested.alignment());
            offset += nested.size();
            return this;
        }

        private Builder<T> add(Field field, MemberWriter<T> writer) {
            members.add(new Member<>(aligned(field, field.kind().alignment()), writer, null));
            alignment = Math.max(alignment, field.kind().alignment());
            offset += field.size();
            return this;
        }

        private Field aligned(Field field, int fieldAlignment) {
            for (Member<T> m : members) {
                if (m.field.name().equals(field.name())) {
                    throw new IllegalArgumentException(cName + "." + field.name() + " is declared twice");
                }
            }
            if (field.offset() % fieldAlignment != 0) {
                throw new IllegalArgumentException(cName + "." + field.name() + " at offset " + field.offset()
                        + " is not " + fieldAlignment + "-byte aligned: C inserts "
                        + (fieldAlignment - field.offset() % fieldAlignment)
                        + " bytes before it; declare them as padding");
            }
            return field;
        }

        /**
         * Ends the declaration. {@code construct} builds the Java value from the members read by name; the size
         * is the sum of the members and must be a multiple of the struct's alignment (declare tail padding).
         */
        public Layout<T> build(Function<Members, T> construct) {
            if (members.isEmpty()) {
                throw new IllegalArgumentException(cName + ": a struct needs members");
            }
            if (offset % alignment != 0) {
                throw new IllegalArgumentException(cName + ": members end at " + offset + ", C rounds the size up to "
                        + (offset + alignment - offset % alignment) + "; declare the tail padding");
            }
            Declared<T> codec = new Declared<>(cName, members, Objects.requireNonNull(construct));
            List<Field> fields = members.stream().map(Member::field).toList();
            return new Layout<>(cName, offset, alignment, fields, codec, codec);
        }

        private static void zero(ByteBuffer b, int at, int length) {
            for (int i = 0; i < length; i++) {
                b.put(at + i, (byte) 0);
            }
        }
    }
}
