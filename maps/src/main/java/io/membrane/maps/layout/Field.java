package io.membrane.maps.layout;

/**
 * One member of a C struct as the kernel sees it: its C name, byte offset and size, and how its bytes are
 * ordered. Network-order members are a kind of their own ({@link Kind#BE16}, {@link Kind#BE32}) so that a
 * layout says in its declaration which fields the datapath compares with packet bytes.
 */
public record Field(String name, int offset, int size, Kind kind) {
    /** How a member's bytes are interpreted, and the alignment C gives a member of that kind. */
    public enum Kind {
        U8(1),
        U16(2),
        U32(4),
        U64(8),
        BE16(2),
        BE32(4),
        BYTES(1),
        PADDING(1);

        private final int alignment;

        Kind(int alignment) {
            this.alignment = alignment;
        }

        /** Where C may place such a member: at offsets that are a multiple of this. */
        public int alignment() {
            return alignment;
        }
    }

    public Field {
        if (offset < 0 || size <= 0) {
            throw new IllegalArgumentException(name + ": offset " + offset + " size " + size);
        }
    }

    public static Field u8(String name, int offset) {
        return scalar(name, offset, Kind.U8);
    }

    public static Field u16(String name, int offset) {
        return scalar(name, offset, Kind.U16);
    }

    public static Field u32(String name, int offset) {
        return scalar(name, offset, Kind.U32);
    }

    public static Field u64(String name, int offset) {
        return scalar(name, offset, Kind.U64);
    }

    /** A 16-bit member in network byte order (a port, an ethertype). */
    public static Field be16(String name, int offset) {
        return scalar(name, offset, Kind.BE16);
    }

    /** A 32-bit member in network byte order (an IPv4 address kept as __be32). */
    public static Field be32(String name, int offset) {
        return scalar(name, offset, Kind.BE32);
    }

    /** A byte array member ({@code __u8 addr[16]}), copied as is. */
    public static Field bytes(String name, int offset, int size) {
        return new Field(name, offset, size, Kind.BYTES);
    }

    /** Explicit padding the C compiler inserts; listed so the layout accounts for every byte. */
    public static Field padding(String name, int offset, int size) {
        return new Field(name, offset, size, Kind.PADDING);
    }

    /** A C scalar's size is its alignment. */
    private static Field scalar(String name, int offset, Kind kind) {
        return new Field(name, offset, kind.alignment(), kind);
    }

    public int end() {
        return offset + size;
    }
}
