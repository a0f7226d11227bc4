package io.membrane.datapath;

import io.membrane.maps.sys.LibBpf;
import io.membrane.maps.sys.NativeLibs;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import jnr.ffi.Pointer;

/**
 * Reads struct layouts out of an object's BTF: size and each member's name, byte offset and size. libbpf's
 * btf_kind/btf_members helpers are static inline and not exported, so the records are decoded here: a
 * {@code struct btf_type} is {name_off, info, size} (12 bytes) followed by vlen {@code struct btf_member}s of
 * {name_off, type, offset} (12 bytes each).
 */
public final class Btf {
    static final int KIND_STRUCT = 4;

    /** One member of a BTF struct; bitfields report the byte holding their first bit. */
    public record Member(String name, int offset, int size) {
    }

    /** A struct as the compiler laid it out. */
    public record Struct(String name, int size, List<Member> members) {
        public Optional<Member> member(String memberName) {
            return members.stream().filter(m -> m.name().equals(memberName)).findFirst();
        }
    }

    private final String objectName;
    private final Pointer btf;

    Btf(String objectName, Pointer btf) {
        this.objectName = objectName;
        this.btf = btf;
    }

    public Optional<Struct> struct(String name) {
        LibBpf lib = NativeLibs.bpf();
        int id = lib.btf__find_by_name_kind(btf, name, KIND_STRUCT);
        if (id < 0) {
            return Optional.empty();
        }
        Pointer type = lib.btf__type_by_id(btf, id);
        int info = type.getInt(4);
        int vlen = info & 0xffff;
        boolean kflag = (info >>> 31) != 0;
        int size = type.getInt(8);
        List<Member> members = new ArrayList<>(vlen);
        for (int i = 0; i < vlen; i++) {
            long base = 12 + 12L * i;
            String memberName = lib.btf__name_by_offset(btf, type.getInt(base));
            int memberType = type.getInt(base + 4);
            int bitOffset = type.getInt(base + 8);
            if (kflag) {
                bitOffset &= 0xffffff;
            }
            long memberSize = lib.btf__resolve_size(btf, memberType);
            members.add(new Member(memberName == null ? "" : memberName, bitOffset / 8, (int) memberSize));
        }
        return Optional.of(new Struct(name, size, members));
    }

    public String objectName() {
        return objectName;
    }
}
