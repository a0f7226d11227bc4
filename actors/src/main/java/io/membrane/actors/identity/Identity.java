package io.membrane.actors.identity;

/**
 * A security identity: the number the datapath matches in policy maps and ipcache values, and the label set it stands
 * for. The number means the same label set on every node for as long as anything uses it.
 */
public record Identity(int id, LabelSet labels) {
    public IdentityScope scope() {
        return IdentityScope.of(id);
    }
}
