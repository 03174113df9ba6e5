package org.sparkfusion.dagtrain.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Netty decoder of {@link FrameCodec} frames; bad magic, length or checksum and truncated frames are errors. The
 * announced length is checked against the limit before anything is allocated or awaited. A decoder made with
 * {@link #beforeHandshake} accepts only handshake-sized frames, one per call (so the handler can switch it over with
 * {@link #authenticated()} before the next frame is read), until the connection is authenticated; after
 * {@link #reject()} it discards everything.
 */
final class FrameDecoder extends ByteToMessageDecoder {
  /** Emitted instead of an exception so handlers see it before the channel's inactive event. */
  record Truncated(int bytes) { }

  private final int maxPayload;
  private final LongAdder nanos;
  private int limit;
  private boolean authenticated;
  private boolean rejected;

  FrameDecoder(int maxPayload) {
    this(maxPayload, new LongAdder());
  }

  /** As above, adding the time spent copying and checking frames to {@code nanos}. */
  FrameDecoder(int maxPayload, LongAdder nanos) {
    this.maxPayload = maxPayload;
    this.nanos = nanos;
    this.limit = maxPayload;
    this.authenticated = true;
  }

  /** A decoder for a connection that has yet to pass the handshake. */
  static FrameDecoder beforeHandshake(int maxPayload, LongAdder nanos) {
    FrameDecoder d = new FrameDecoder(maxPayload, nanos);
    d.limit = ConnectionAuth.MAX_HANDSHAKE_PAYLOAD;
    d.authenticated = false;
    return d;
  }

  /** The handshake passed: frames up to the full limit from now on. Called on the channel's event loop. */
  void authenticated() {
    authenticated = true;
    limit = maxPayload;
  }

  /** The connection is being closed as unauthenticated: drop whatever else arrives. */
  void reject() {
    rejected = true;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws IOException {
    while (!rejected && in.readableBytes() >= FrameCodec.HEADER_BYTES) {
      byte[] header = new byte[FrameCodec.HEADER_BYTES];
      in.getBytes(in.readerIndex(), header);
      int len = FrameCodec.payloadLength(header, limit);
      if (in.readableBytes() < FrameCodec.HEADER_BYTES + len) {
        return;
      }
      long t0 = System.nanoTime();
      in.skipBytes(FrameCodec.HEADER_BYTES);
      byte[] payload = new byte[len];
      in.readBytes(payload);
      out.add(FrameCodec.decode(header, payload));
      nanos.add(System.nanoTime() - t0);
      if (!authenticated) {
        return;
      }
    }
    if (rejected) {
      in.skipBytes(in.readableBytes());
    }
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws IOException {
    decode(ctx, in, out);
    if (in.readableBytes() > 0) {
      int have = in.readableBytes();
      in.skipBytes(have);
      out.add(new Truncated(have));
    }
  }
}
