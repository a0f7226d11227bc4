package io.membrane.maps;

import io.membrane.maps.layout.Field;
import io.membrane.maps.layout.Layout;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The BTF (the kernel's type format, Documentation/bpf/btf.rst) of a map's key and value, written from their
 * {@link Layout} declarations, so that a map created from Java tells {@code bpftool map dump} its member names
 * just as a map defined in C does. A layout named like a kernel scalar type ({@code __u32}, {@code __be32})
 * with one member covering it becomes that typedef; any other layout becomes {@code struct cName} with a member
 * per field: {@code __u8}..{@code __u64}, {@code __be16}/{@code __be32} typedefs, and {@code __u8 name[n]} for
 * byte arrays and padding. The blob is raw BTF as BPF_BTF_LOAD takes it (little-endian, this host's order).
 */
final class LayoutBtf {
    /** What {@link #of} produced: the blob and the type ids of the key and the value inside it. */
    record Blob(byte[] bytes, int keyTypeId, int valueTypeId) {}

    private static final int MAGIC = 0xeB9F;
    private static final int HEADER_SIZE = 24;
    private static final int KIND_INT = 1;
    private static final int KIND_ARRAY = 3;
    private static final int KIND_STRUCT = 4;
    private static final int KIND_TYPEDEF = 8;
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final ByteArrayOutputStream types = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private final Map<String, Integer> stringOffsets = new HashMap<>();
    private final Map<String, Integer> typeIds = new HashMap<>();
    private int lastTypeId;

    private LayoutBtf() {
        strings.write(0); // offset 0 is the empty name
        stringOffsets.put("", 0);
    }

    /** BTF holding the key and value types of one map. */
    static Blob of(Layout<?> key, Layout<?> value) {
        LayoutBtf btf = new LayoutBtf();
        int keyId = btf.layout(key);
        int valueId = btf.layout(value);
        return new Blob(btf.bytes(), keyId, valueId);
    }

    private int layout(Layout<?> layout) {
        List<Field> fields = layout.fields();
        if (fields.size() == 1 && isScalar(layout.cName(), fields.get(0), layout.size())) {
            return scalar(fields.get(0).kind());
        }
        String name = IDENTIFIER.matcher(layout.cName()).matches() ? layout.cName() : "";
        String cacheKey = "struct " + name + "/" + layout.size() + "/" + fields;
        Integer known = typeIds.get(cacheKey);
        if (known != null) {
            return known;
        }
        List<Field> sorted = new ArrayList<>(fields);
        sorted.sort(Comparator.comparingInt(Field::offset));
        int[] memberTypes = new int[sorted.size()];
        for (int i = 0; i < sorted.size(); i++) {
            memberTypes[i] = member(sorted.get(i));
        }
        ByteBuffer t = type(name, KIND_STRUCT, sorted.size(), layout.size(), 12 * sorted.size());
        for (int i = 0; i < sorted.size(); i++) {
            t.putInt(string(sorted.get(i).name()))
                    .putInt(memberTypes[i])
                    .putInt(sorted.get(i).offset() * 8);
        }
        return add(cacheKey, t);
    }

    /** A one-member layout named as the kernel's typedef for that member's kind, such as {@code __be32}. */
    private static boolean isScalar(String cName, Field only, int size) {
        return only.offset() == 0 && only.size() == size && cName.equals(scalarName(only.kind()));
    }

    private static String scalarName(Field.Kind kind) {
        return switch (kind) {
            case U8 -> "__u8";
            case U16 -> "__u16";
            case U32 -> "__u32";
            case U64 -> "__u64";
            case BE16 -> "__be16";
            case BE32 -> "__be32";
            case BYTES, PADDING -> "";
        };
    }

    private int member(Field f) {
        return switch (f.kind()) {
            case BYTES, PADDING -> array(scalar(Field.Kind.U8), f.size());
            default -> scalar(f.kind());
        };
    }

    /** The typedef for a kind, over the unsigned int of its size ({@code __be16} over {@code __u16}). */
    private int scalar(Field.Kind kind) {
        String name = scalarName(kind);
        Integer known = typeIds.get(name);
        if (known != null) {
            return known;
        }
        int target =
                switch (kind) {
                    case U8 -> integer("unsigned char", 1);
                    case U16 -> integer("unsigned short", 2);
                    case U32 -> integer("unsigned int", 4);
                    case U64 -> integer("unsigned long long", 8);
                    case BE16 -> scalar(Field.Kind.U16);
                    case BE32 -> scalar(Field.Kind.U32);
                    case BYTES, PADDING -> throw new IllegalArgumentException(kind + " is not a scalar");
                };
        return add(name, type(name, KIND_TYPEDEF, 0, target, 0));
    }

    private int integer(String name, int bytes) {
        Integer known = typeIds.get(name);
        if (known != null) {
            return known;
        }
        // int_data: encoding (0 = unsigned) << 24 | bit offset << 16 | bits
        return add(name, type(name, KIND_INT, 0, bytes, 4).putInt(bytes * 8));
    }

    private int array(int elementType, int length) {
        String cacheKey = "array " + elementType + "[" + length + "]";
        Integer known = typeIds.get(cacheKey);
        if (known != null) {
            return known;
        }
        int index = integer("unsigned int", 4);
        return add(
                cacheKey,
                type("", KIND_ARRAY, 0, 0, 12).putInt(elementType).putInt(index).putInt(length));
    }

    /** struct btf_type: name_off, info (kind << 24 | vlen), then size or type; {@code extra} bytes follow. */
    private ByteBuffer type(String name, int kind, int vlen, int sizeOrType, int extra) {
        return ByteBuffer.allocate(12 + extra)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(string(name))
                .putInt(kind << 24 | vlen)
                .putInt(sizeOrType);
    }

    private int add(String cacheKey, ByteBuffer type) {
        types.writeBytes(type.array());
        lastTypeId++;
        typeIds.put(cacheKey, lastTypeId);
        return lastTypeId;
    }

    private int string(String s) {
        return stringOffsets.computeIfAbsent(s, k -> {
            int offset = strings.size();
            strings.writeBytes(k.getBytes(StandardCharsets.US_ASCII));
            strings.write(0);
            return offset;
        });
    }

    private byte[] bytes() {
        byte[] t = types.toByteArray();
        byte[] s = strings.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(HEADER_SIZE + t.length + s.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putShort((short) MAGIC)
                .put((byte) 1)
                .put((byte) 0)
                .putInt(HEADER_SIZE)
                .putInt(0)
                .putInt(t.length)
                .putInt(t.length)
                .putInt(s.length);
        return out.put(t).put(s).array();
    }
}
