/**
 * The event pump and the monitor socket: {@link io.membrane.actors.monitor.EventPump} reads the datapath's
 * perf buffer on its own thread, decodes, counts, keeps recent events and fans out to bounded per-listener
 * queues ({@link io.membrane.actors.monitor.Subscription}); {@link io.membrane.actors.monitor.EventFormat} is
 * the one JSON and text form of an event; {@link io.membrane.actors.monitor.MonitorServer} and
 * {@link io.membrane.actors.monitor.MonitorClient} speak the versioned, framed protocol of
 * {@link io.membrane.actors.monitor.MonitorProtocol} (also in actors/MONITOR_PROTOCOL.md).
 */
package io.membrane.actors.monitor;
