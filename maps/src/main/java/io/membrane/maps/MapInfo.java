package io.membrane.maps;

import io.membrane.maps.sys.NativeLibs;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * What the kernel says about a live map ({@code struct bpf_map_info} from BPF_OBJ_GET_INFO_BY_FD). Open-or-
 * create compares this, not our own bookkeeping, with the wanted spec.
 */
public record MapInfo(
        int typeId, int id, int keySize, int valueSize, int maxEntries, int flags, String name, int btfId) {
    /** sizeof(struct bpf_map_info) on 6.x kernels; a smaller kernel struct is zero-filled by the kernel. */
    static final int STRUCT_SIZE = 88;

    public static MapInfo of(int fd, String nameForErrors) {
        Pointer info = Memory.allocateDirect(NativeLibs.runtime(), STRUCT_SIZE);
        Pointer len = Memory.allocateDirect(NativeLibs.runtime(), 4);
        len.putInt(0, STRUCT_SIZE);
        BpfException.check(NativeLibs.bpf().bpf_obj_get_info_by_fd(fd, info, len), "get info", nameForErrors);
        byte[] raw = new byte[16];
        info.get(24, raw, 0, 16);
        int n = 0;
        while (n < raw.length && raw[n] != 0) {
            n++;
        }
        return new MapInfo(
                info.getInt(0),
                info.getInt(4),
                info.getInt(8),
                info.getInt(12),
                info.getInt(16),
                info.getInt(20),
                new String(raw, 0, n, StandardCharsets.US_ASCII),
                info.getInt(64));
    }

    @Override
    public String toString() {
        String type;
        try {
            type = MapType.ofCode(typeId).name();
        } catch (IllegalArgumentException e) {
            type = "type " + typeId;
        }
        return type + " key=" + keySize + " value=" + valueSize + " max=" + maxEntries + " flags=0x"
                + Integer.toHexString(flags) + " id=" + id;
    }
}
