package org.sparkfusion.dagtrain;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/** Netty decoder of {@link FrameCodec} frames; bad magic, length or checksum and truncated frames are errors. */
final class FrameDecoder extends ByteToMessageDecoder {
  /** Emitted instead of an exception so handlers see it before the channel's inactive event. */
  record Truncated(int bytes) { }

  private final int maxPayload;
  private final LongAdder nanos;

  FrameDecoder(int maxPayload) {
    this(maxPayload, new LongAdder());
  }

  /** As above, adding the time spent copying and checking frames to {@code nanos}. */
  FrameDecoder(int maxPayload, LongAdder nanos) {
    this.maxPayload = maxPayload;
    this.nanos = nanos;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws IOException {
    while (in.readableBytes() >= FrameCodec.HEADER_BYTES) {
      byte[] header = new byte[FrameCodec.HEADER_BYTES];
      in.getBytes(in.readerIndex(), header);
      int len = FrameCodec.payloadLength(header, maxPayload);
      if (in.readableBytes() < FrameCodec.HEADER_BYTES + len) {
        return;
      }
      long t0 = System.nanoTime();
      in.skipBytes(FrameCodec.HEADER_BYTES);
      byte[] payload = new byte[len];
      in.readBytes(payload);
      out.add(FrameCodec.decode(header, payload));
      nanos.add(System.nanoTime() - t0);
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
