package io.membrane.cluster.wire;

/**
 * Everything that crosses the network between Membrane nodes, and every value Membrane stores in Distributed
 * Data, implements this marker. {@code reference.conf} binds it to {@link KryoSerializer}; a class implementing
 * it must also have an entry in {@link KryoRegistry}, or serializing it fails.
 *
 * <p>Implementations are small immutable records. They must not implement {@link java.io.Serializable}: Java
 * serialization is off, and a second binding would make the choice of serializer ambiguous.
 */
public interface WireMessage {}
