package io.membrane.maps.sys;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;

/**
 * The libbpf 1.x C API exactly as libbpf.so.1 exports it, bound by JNR-FFI. Names stay in C spelling so a
 * reader can look each call up in bpf/bpf.h and bpf/libbpf.h; nothing above this package calls them with raw
 * arguments except through the typed owners. In libbpf 1.0 mode every int function returns a negative errno
 * on failure, so errno is not saved for them ({@link IgnoreError} also makes the calls cheaper); the functions
 * that return a pointer return NULL and set errno instead, and are marked {@link SaveError}.
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

    int bpf_map_lookup_batch(
            int fd, Pointer inBatch, Pointer outBatch, Pointer keys, Pointer values, Pointer count, Pointer opts);

    int bpf_map_delete_batch(int fd, Pointer keys, Pointer count, Pointer opts);

    int bpf_btf_load(Pointer btfData, @size_t long btfSize, Pointer opts);

    int bpf_obj_pin(int fd, String path);

    int bpf_obj_get(String path);

    int bpf_obj_get_info_by_fd(int fd, Pointer info, Pointer infoLen);

    int bpf_prog_load(int progType, String name, String license, Pointer insns, @size_t long insnCount, Pointer opts);

    int bpf_prog_test_run_opts(int progFd, Pointer opts);

    /** A BPF link of {@code progFd} to {@code targetFd} (an ifindex for tcx); opts may be null. */
    int bpf_link_create(int progFd, int targetFd, int attachType, Pointer opts);

    /** Replaces a link's program in one step; opts may be null. */
    int bpf_link_update(int linkFd, int newProgFd, Pointer opts);

    int bpf_link_detach(int linkFd);

    // --- objects, programs and maps of an ELF object (libbpf.h) ---

    @SaveError
    Pointer bpf_object__open_file(String path, Pointer opts);

    int bpf_object__load(Pointer obj);

    void bpf_object__close(Pointer obj);

    Pointer bpf_object__next_map(Pointer obj, Pointer prev);

    Pointer bpf_object__next_program(Pointer obj, Pointer prev);

    Pointer bpf_object__btf(Pointer obj);

    String bpf_map__name(Pointer map);

    int bpf_map__type(Pointer map);

    int bpf_map__key_size(Pointer map);

    int bpf_map__value_size(Pointer map);

    int bpf_map__max_entries(Pointer map);

    int bpf_map__map_flags(Pointer map);

    int bpf_map__reuse_fd(Pointer map, int fd);

    int bpf_map__fd(Pointer map);

    int bpf_map__btf_key_type_id(Pointer map);

    int bpf_map__btf_value_type_id(Pointer map);

    /** The initial image of an internal data map (.rodata, .data) before load, writable; its size to *psize. */
    Pointer bpf_map__initial_value(Pointer map, Pointer psize);

    String bpf_program__name(Pointer prog);

    int bpf_program__fd(Pointer prog);

    int bpf_program__type(Pointer prog);

    // --- BTF (btf.h) ---

    int btf__find_by_name_kind(Pointer btf, String name, int kind);

    Pointer btf__type_by_id(Pointer btf, int id);

    String btf__name_by_offset(Pointer btf, int offset);

    long btf__resolve_size(Pointer btf, int id);

    int btf__resolve_type(Pointer btf, int id);

    // --- attaching (XDP, tc) ---

    int bpf_xdp_attach(int ifindex, int progFd, int flags, Pointer opts);

    int bpf_xdp_detach(int ifindex, int flags, Pointer opts);

    int bpf_xdp_query(int ifindex, int flags, Pointer opts);

    int bpf_tc_hook_create(Pointer hook);

    int bpf_tc_hook_destroy(Pointer hook);

    int bpf_tc_attach(Pointer hook, Pointer opts);

    int bpf_tc_detach(Pointer hook, Pointer opts);

    int bpf_tc_query(Pointer hook, Pointer opts);

    int bpf_prog_get_fd_by_id(int id);

    // --- perf buffer ---

    /** {@code void (*)(void *ctx, int cpu, void *data, __u32 size)} */
    interface PerfSampleCallback {
        @Delegate
        void onSample(Pointer ctx, int cpu, Pointer data, int size);
    }

    /** {@code void (*)(void *ctx, int cpu, __u64 cnt)} */
    interface PerfLostCallback {
        @Delegate
        void onLost(Pointer ctx, int cpu, long count);
    }

    @SaveError
    Pointer perf_buffer__new(
            int mapFd,
            @size_t long pageCount,
            PerfSampleCallback sample,
            PerfLostCallback lost,
            Pointer ctx,
            Pointer opts);

    int perf_buffer__poll(Pointer pb, int timeoutMs);

    int perf_buffer__consume(Pointer pb);

    int perf_buffer__epoll_fd(Pointer pb);

    void perf_buffer__free(Pointer pb);

    // --- logging ---

    /** {@code int (*)(enum libbpf_print_level level, const char *fmt, va_list args)} */
    interface PrintCallback {
        @Delegate
        int print(int level, Pointer format, Pointer args);
    }

    Pointer libbpf_set_print(PrintCallback callback);
}
