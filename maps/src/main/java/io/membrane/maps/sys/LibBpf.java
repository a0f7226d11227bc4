package io.membrane.maps.sys;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.types.size_t;

/**
 * The libbpf 1.x C API exactly as libbpf.so.1 exports it, bound by JNR-FFI. Names stay in C spelling so a
 * reader can look each call up in bpf/bpf.h and bpf/libbpf.h; nothing above this package calls them with raw
 * arguments except through the typed owners. In libbpf 1.0 mode every int function returns a negative errno
 * on failure, so errno is never read here ({@link IgnoreError} also makes the calls cheaper).
 */
@IgnoreError
public interface LibBpf {
    int libbpf_major_version();

    int libbpf_minor_version();

    int libbpf_num_possible_cpus();

    int bpf_map_create(int mapType, String name, int keySize, int valueSize, int maxEntries, Pointer opts);

    int bpf_map_update_elem(int fd, Pointer key, Pointer value, long flags);

    int bpf_map_lookup_elem(int fd, Pointer key, Pointer value);

    int bpf_map_lookup_and_delete_elem(int fd, Pointer key, Pointer value);

    int bpf_map_delete_elem(int fd, Pointer key);

    int bpf_map_get_next_key(int fd, Pointer key, Pointer nextKey);

    int bpf_map_update_batch(int fd, Pointer keys, Pointer values, Pointer count, Pointer opts);

    int bpf_map_lookup_batch(int fd, Pointer inBatch, Pointer outBatch, Pointer keys, Pointer values,
                             Pointer count, Pointer opts);

    int bpf_map_delete_batch(int fd, Pointer keys, Pointer count, Pointer opts);

    int bpf_obj_pin(int fd, String path);

    int bpf_obj_get(String path);

    int bpf_obj_get_info_by_fd(int fd, Pointer info, Pointer infoLen);

    int bpf_prog_load(int progType, String name, String license, Pointer insns, @size_t long insnCount,
                      Pointer opts);

    int bpf_prog_test_run_opts(int progFd, Pointer opts);
}
