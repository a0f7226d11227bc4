package io.membrane.maps.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * How one C struct is laid out in memory and how a Java value is written to and read from those bytes. A
 * layout names the C struct it mirrors and each member with its offset, so that the datapath can compare it
 * with the BTF of a compiled object and say which member disagrees. Encoding works on a little-endian
 * {@link ByteBuffer} at an absolute base offset, which lets one buffer hold a batch of keys back to back.
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

    public static final Layout<Integer> U32 = new Layout<>("__u32", 4, List.of(Field.u32("value", 0)),
            (v, b, o) -> b.putInt(o, v), (b, o) -> b.getInt(o));
    public static final Layout<Long> U64 = new Layout<>("__u64", 8, List.of(Field.u64("value", 0)),
            (v, b, o) -> b.putLong(o, v), (b, o) -> b.getLong(o));
    public static final Layout<Byte> U8 = new Layout<>("__u8", 1, List.of(Field.u8("value", 0)),
            (v, b, o) -> b.put(o, v), (b, o) -> b.get(o));

    private final String cName;
    private final int size;
    private final List<Field> fields;
    private final Writer<T> writer;
    private final Reader<T> reader;

    private Layout(String cName, int size, List<Field> fields, Writer<T> writer, Reader<T> reader) {
        this.cName = Objects.requireNonNull(cName);
        this.size = size;
        this.fields = List.copyOf(fields);
        this.writer = Objects.requireNonNull(writer);
        this.reader = Objects.requireNonNull(reader);
        validate();
    }

    /**
     * Declares the layout of {@code struct cName}: its size including tail padding, and its members.
     * Members must lie inside the struct and must not overlap.
     */
    public static <T> Layout<T> of(String cName, int size, List<Field> fields, Writer<T> writer, Reader<T> reader) {
        return new Layout<>(cName, size, fields, writer, reader);
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
                throw new IllegalArgumentException(cName + "." + f.name() + " ends at " + f.end()
                        + ", past the struct size " + size);
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

    public List<Field> fields() {
        return Collections.unmodifiableList(fields);
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
}
