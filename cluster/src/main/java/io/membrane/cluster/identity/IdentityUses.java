package io.membrane.cluster.identity;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ImmutableSerializer;
import io.membrane.cluster.wire.WireMessage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The identity numbers one node uses within one {@code iduse-NN} key (its entry there, under its unique address):
 * what the decider reads before it releases a number. Sorted and without repeats, so that equal sets are equal
 * bytes (Distributed Data compares digests of the serialized form); written as deltas of varints, so a node that
 * holds thousands of numbers in a key costs a couple of bytes for each.
 *
 * @param node the node's name, for the API's {@code nodes-using}
 */
public final class IdentityUses implements WireMessage {
    private final String node;
    private final int[] ids;

    public IdentityUses(String node, int[] ids) {
        this.node = Objects.requireNonNull(node, "node");
        int[] sorted = ids.clone();
        Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] == sorted[i - 1]) {
                throw new IllegalArgumentException("identity " + sorted[i] + " listed twice");
            }
        }
        this.ids = sorted;
    }

    public String node() {
        return node;
    }

    /** Ascending; a copy. */
    public int[] ids() {
        return ids.clone();
    }

    public int size() {
        return ids.length;
    }

    public int id(int index) {
        return ids[index];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdentityUses u && node.equals(u.node) && Arrays.equals(ids, u.ids);
    }

    @Override
    public int hashCode() {
        return node.hashCode() * 31 + Arrays.hashCode(ids);
    }

    @Override
    public String toString() {
        return "IdentityUses(" + node + ", " + ids.length + " ids)";
    }

    /** The Kryo form: the node name (UTF-8, byte count first), the count, then ascending gaps as varints. */
    public static final class Serializer extends ImmutableSerializer<IdentityUses> {
        @Override
        public void write(Kryo kryo, Output output, IdentityUses uses) {
            byte[] name = uses.node.getBytes(StandardCharsets.UTF_8);
            output.writeVarInt(name.length, true);
            output.writeBytes(name);
            output.writeVarInt(uses.ids.length, true);
            int previous = 0;
            for (int id : uses.ids) {
                output.writeVarInt(id - previous, true);
                previous = id;
            }
        }

        @Override
        public IdentityUses read(Kryo kryo, Input input, Class<? extends IdentityUses> type) {
            byte[] name = input.readBytes(length(input, "node name"));
            // Each number takes at least one byte: a count above the bytes left is a lie.
            int[] ids = new int[length(input, "identity count")];
            int previous = 0;
            for (int i = 0; i < ids.length; i++) {
                int gap = input.readVarInt(true);
                if (gap <= 0 && i > 0) {
                    throw new KryoException("identity numbers not ascending at index " + i);
                }
                previous += gap;
                ids[i] = previous;
            }
            return new IdentityUses(new String(name, StandardCharsets.UTF_8), ids);
        }

        private static int length(Input input, String what) {
            int n = input.readVarInt(true);
            if (n < 0 || n > input.limit() - input.position()) {
                throw new KryoException(what + " " + Integer.toUnsignedString(n) + " exceeds the bytes left");
            }
            return n;
        }
    }
}
