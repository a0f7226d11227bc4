package io.membrane.datapath;

import io.membrane.maps.sys.LibBpf;
import io.membrane.maps.sys.NativeLibs;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import jnr.ffi.Pointer;

/**
 * Reads struct layouts and enums out of an object's BTF: a struct's size and each member's name, byte offset
 * and size; an enum's names and values. libbpf's btf_kind/btf_members/btf_enum helpers are static inline and
 * not exported, so the records are decoded here: a {@code struct btf_type} is {name_off, info, size} (12
 * bytes) followed by vlen {@code struct btf_member}s of {name_off, type, offset} (12 bytes each) for a struct,
 * or vlen {@code struct btf_enum}s of {name_off, val} (8 bytes each) for an enum.
 */
public final class Btf {
    static final int KIND_STRUCT = 4;
    static final int KIND_ENUM = 6;
    static final int KIND_DATASEC = 15;

    /** One member of a BTF struct; bitfields report the byte holding their first bit. */
    public record Member(String name, int offset, int size) {}

    /** A struct as the compiler laid it out. */
    public record Struct(String name, int size, List<Member> members) {
        public Optional<Member> member(String memberName) {
            return members.stream().filter(m -> m.name().equals(memberName)).findFirst();
        }
    }

    /** A global variable of a data section: its offset and size in the section's image. */
    public record Variable(String name, int offset, int size) {}

    /** One named value of a C enum. */
    public record Enumerator(String name, long value) {}

    private final String objectName;
    private final Pointer btf;

    Btf(String objectName, Pointer btf) {
        this.objectName = objectName;
        this.btf = btf;
    }

    public Optional<Struct> struct(String name) {
        return type(name, KIND_STRUCT).map(type -> {
            LibBpf lib = NativeLibs.bpf();
            List<Member> members = new ArrayList<>(type.vlen());
            for (int i = 0; i < type.vlen(); i++) {
                long base = 12 + 12L * i;
                String memberName = lib.btf__name_by_offset(btf, type.record().getInt(base));
                int memberType = type.record().getInt(base + 4);
                int bitOffset = type.record().getInt(base + 8);
                if (type.kflag()) {
                    bitOffset &= 0xffffff;
                }
                long memberSize = lib.btf__resolve_size(btf, memberType);
                members.add(new Member(memberName == null ? "" : memberName, bitOffset / 8, (int) memberSize));
            }
            return new Struct(name, type.record().getInt(8), members);
        });
    }

    /** The enumerators of {@code enum name} in declaration order; empty if the object has no such enum. */
    public Optional<List<Enumerator>> enumeration(String name) {
        return type(name, KIND_ENUM).map(type -> {
            LibBpf lib = NativeLibs.bpf();
            List<Enumerator> values = new ArrayList<>(type.vlen());
            for (int i = 0; i < type.vlen(); i++) {
                long base = 12 + 8L * i;
                int value = type.record().getInt(base + 4);
                values.add(new Enumerator(
                        lib.btf__name_by_offset(btf, type.record().getInt(base)),
                        type.kflag() ? value : Integer.toUnsignedLong(value)));
            }
            return values;
        });
    }

    /**
     * The variables of a data section ({@code .rodata}, {@code .data}), from its DATASEC record: vlen {@code struct
     * btf_var_secinfo}s of {type, offset, size} (12 bytes each), each type a VAR whose name is the variable's.
     */
    public Optional<List<Variable>> section(String name) {
        return type(name, KIND_DATASEC).map(type -> {
            LibBpf lib = NativeLibs.bpf();
            List<Variable> vars = new ArrayList<>(type.vlen());
            for (int i = 0; i < type.vlen(); i++) {
                long base = 12 + 12L * i;
                Pointer var = lib.btf__type_by_id(btf, type.record().getInt(base));
                vars.add(new Variable(
                        lib.btf__name_by_offset(btf, var.getInt(0)),
                        type.record().getInt(base + 4),
                        type.record().getInt(base + 8)));
            }
            return vars;
        });
    }

    /** A {@code struct btf_type} and its info word: vlen, and kflag (bitfield offsets; a signed enum). */
    private record TypeRecord(Pointer record, int vlen, boolean kflag) {}

    private Optional<TypeRecord> type(String name, int kind) {
        LibBpf lib = NativeLibs.bpf();
        int id = lib.btf__find_by_name_kind(btf, name, kind);
        if (id < 0) {
            return Optional.empty();
        }
        Pointer type = lib.btf__type_by_id(btf, id);
        int info = type.getInt(4);
        return Optional.of(new TypeRecord(type, info & 0xffff, (info >>> 31) != 0));
    }

    public String objectName() {
        return objectName;
    }
}
