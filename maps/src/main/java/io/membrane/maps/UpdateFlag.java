package io.membrane.maps;

/** The {@code flags} of BPF_MAP_UPDATE_ELEM: whether the key may, must not or must already exist. */
public enum UpdateFlag {
    /** BPF_ANY: create or overwrite. */
    ANY(0),
    /** BPF_NOEXIST: create only; an existing key fails with EEXIST. */
    NOEXIST(1),
    /** BPF_EXIST: overwrite only; a missing key fails with ENOENT. */
    EXIST(2);

    private final long bits;

    UpdateFlag(long bits) {
        this.bits = bits;
    }

    public long bits() {
        return bits;
    }
}
