/**
 * The wire format between Membrane nodes: every message and every Distributed Data value implements
 * {@link io.membrane.cluster.wire.WireMessage} and is written by {@link io.membrane.cluster.wire.KryoSerializer}
 * with the fixed ids of {@link io.membrane.cluster.wire.KryoRegistry} (registration required). Java serialization
 * stays off ({@code reference.conf}).
 *
 * <p>To add a message: write a small record implementing {@code WireMessage} (lists copied with
 * {@code List.copyOf}, validation in the canonical constructor), append it to the table in {@code KryoRegistry}
 * with the next free id, and add samples of it to the tests' {@code WireSamples} ({@code KryoRegistryTest} fails
 * for a registered class without one; the round-trip tests then cover it, in Kryo and through Pekko).
 */
package io.membrane.cluster.wire;
