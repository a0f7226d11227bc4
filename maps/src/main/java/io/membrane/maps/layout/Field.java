package io.membrane.maps.layout;

/**
 * One member of a C struct as the kernel sees it: its C name, byte offset and size, and how its bytes are
 * ordered. Network-order members are a kind of their own ({@link Kind#BE16}, {@link Kind#BE32}) so that a
 * layout says in its declaration which fields the datapath compares with packet bytes.
 */
public record Field(String name, int offset, int size, Kind kind) {
    /** How a member's bytes are interpreted. */
    public enum Kind { U8, U16, U32, U64, BE16, BE32, BYTES, PADDING }

    public Field {
        if (offset < 0 || size <= 0) {
            throw new IllegalArgumentException(name + ": offset " + offset + " size " + size);
        }
    }

    public static Field u8(String name, int offset) {
        return new Field(name, offset, 1, Kind.U8);
    }

    public static Field u16(String name, int offset) {
        return new Field(name, offset, 2, Kind.U16);
    }

    public static Field u32(String name, int offset) {
        return new Field(name, offset, 4, Kind.U32);
    }

    public static Field u64(String name, int offset) {
        return new Field(name, offset, 8, Kind.U64);
    }

    /** A 16-bit member in network byte order (a port, an ethertype). */
    public static Field be16(String name, int offset) {
        return new Field(name, offset, 2, Kind.BE16);
    }

    /** A 32-bit member in network byte order (an IPv4 address kept as __be32). */
    public static Field be32(String name, int offset) {
        return new Field(name, offset, 4, Kind.BE32);
    }

    /** A byte array member ({@code __u8 addr[16]}), copied as is. */
    public static Field bytes(String name, int offset, int size) {
        return new Field(name, offset, size, Kind.BYTES);
    }

    /** Explicit padding the C compiler inserts; listed so the layout accounts for every byte. */
    public static Field padding(String name, int offset, int size) {
        return new Field(name, offset, size, Kind.PADDING);
    }

    public int end() {
        return offset + size;
    }
}
