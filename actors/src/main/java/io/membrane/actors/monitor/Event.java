package io.membrane.actors.monitor;

import io.membrane.datapath.structs.Notification;
import java.time.Instant;

/**
 * What the {@link EventPump} hands to its ring and its listeners: a decoded notification, or the news that the
 * kernel lost samples on a CPU because its ring was full (Cilium delivers the same "lost N events on CPU c" to
 * its listeners). {@code seq} numbers every event the pump published, from 1, without gaps; {@code time} is
 * when the pump read it; {@code cpu} is the ring it came from.
 */
public sealed interface Event permits Event.Sample, Event.Lost {
    long seq();

    Instant time();

    int cpu();

    /** One notification a BPF program wrote. */
    record Sample(long seq, Instant time, int cpu, Notification notification) implements Event {}

    /** The kernel dropped {@code count} samples on CPU {@code cpu}: the reader did not keep up. */
    record Lost(long seq, Instant time, int cpu, long count) implements Event {}
}
