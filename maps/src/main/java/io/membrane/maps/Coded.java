package io.membrane.maps;

import java.util.Optional;

/**
 * An enum whose constants stand for numbers the kernel or the datapath uses ({@code enum bpf_map_type},
 * {@code DIR_*}, {@code enum drop_reason}), so that reading a number back into its constant is written once,
 * here, for all of them.
 */
public interface Coded {
    /** The number this constant stands for. */
    int code();

    /** The constant's Java name: {@link Enum#name()}. */
    String name();

    /** The constant's name as Prometheus labels and the CLI show it ({@code policy_denied}, {@code ingress}). */
    default String label() {
        return name().toLowerCase();
    }

    /** The constant of {@code type} that stands for {@code code}; empty when none does. */
    static <E extends Enum<E> & Coded> Optional<E> byCode(Class<E> type, int code) {
        for (E constant : type.getEnumConstants()) {
            if (constant.code() == code) {
                return Optional.of(constant);
            }
        }
        return Optional.empty();
    }
}
