/**
 * The training tasks' own connections: frames (magic, type, sender, step, micro-batch, length, CRC-32) and their
 * codec, the authenticated Netty transport between executors ({@link org.sparkfusion.dagtrain.transport.NettyTransport},
 * {@link org.sparkfusion.dagtrain.transport.ConnectionAuth}), the in-memory one for in-process pipelines, per-link
 * rate limits, and the {@link org.sparkfusion.dagtrain.transport.StageTransport} a stage sends and receives through.
 * It knows nothing of graphs, tensors or compression: payloads are bytes. Public are only the types and members the
 * runtime in {@code org.sparkfusion.dagtrain} uses; inboxes, outboxes and the frame decoder stay package-private.
 */
package org.sparkfusion.dagtrain.transport;
