package org.sparkfusion.dagtrain.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * Wire format of a {@link Frame}: magic "SFDT", type, from, step, micro, payload length, CRC-32 of the
 * preceding header fields and the payload, then the payload. A frame with a bad magic, an oversized or
 * negative length, or a checksum mismatch is rejected, never used.
 */
public final class FrameCodec {
  static final int MAGIC = 0x53464454;
  static final int HEADER_BYTES = 25;

  private FrameCodec() {}

  public static byte[] encode(Frame f) {
    byte[] p = f.payload() == null ? new byte[0] : f.payload();
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + p.length);
    b.putInt(MAGIC).put(f.type()).putInt(f.from()).putInt(f.step()).putInt(f.micro()).putInt(p.length);
    b.putInt(crc(b.array(), 4, 17, p));
    b.put(p);
    return b.array();
  }

  static int crc(byte[] header, int off, int len, byte[] payload) {
    CRC32 c = new CRC32();
    c.update(header, off, len);
    c.update(payload);
    return (int) c.getValue();
  }

  /** Payload length announced by a header; validates magic and bounds. */
  static int payloadLength(byte[] header, int maxPayload) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(header);
    int magic = b.getInt(0);
    if (magic != MAGIC) {
      throw new IOException(String.format("corrupt frame: bad magic 0x%08x", magic));
    }
    int len = b.getInt(17);
    if (len < 0 || len > maxPayload) {
      throw new IOException("corrupt frame: payload length " + len + " outside [0," + maxPayload + "]");
    }
    return len;
  }

  /** Builds the frame from a complete header and payload, verifying the checksum. */
  static Frame decode(byte[] header, byte[] payload) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(header);
    int expected = b.getInt(21);
    int actual = crc(header, 4, 17, payload);
    if (expected != actual) {
      throw new IOException(String.format("corrupt frame: checksum mismatch (header says %08x, payload gives %08x)",
          expected, actual));
    }
    return new Frame(b.get(4), b.getInt(5), b.getInt(9), b.getInt(13), payload);
  }

  /** Decodes one whole encoded frame (for in-memory links and tests). */
  public static Frame decode(byte[] whole, int maxPayload) throws IOException {
    if (whole.length < HEADER_BYTES) {
      throw new IOException("truncated frame: " + whole.length + " bytes, header needs " + HEADER_BYTES);
    }
    byte[] header = java.util.Arrays.copyOf(whole, HEADER_BYTES);
    int len = payloadLength(header, maxPayload);
    if (whole.length != HEADER_BYTES + len) {
      throw new IOException("truncated frame: payload has " + (whole.length - HEADER_BYTES) + " of " + len + " bytes");
    }
    return decode(header, java.util.Arrays.copyOfRange(whole, HEADER_BYTES, whole.length));
  }
}
