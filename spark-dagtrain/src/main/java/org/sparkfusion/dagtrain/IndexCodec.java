package org.sparkfusion.dagtrain;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Compact encoding of sorted distinct indices in [0, n): a bitmap (n/8 bytes) or gaps as LEB128 varints,
 * whichever is smaller. The first byte says which.
 */
final class IndexCodec {
  private IndexCodec() {}

  static byte[] encode(int[] sorted, int n) {
    byte[] bitmap = new byte[(n + 7) / 8];
    for (int i : sorted) {
      bitmap[i >>> 3] |= (byte) (1 << (i & 7));
    }
    ByteArrayOutputStream gaps = new ByteArrayOutputStream();
    int prev = -1;
    for (int i : sorted) {
      if (i <= prev || i >= n) {
        throw new IllegalArgumentException("indices must be sorted, distinct and below " + n);
      }
      writeVarint(gaps, i - prev - 1);
      prev = i;
      if (gaps.size() > bitmap.length) {
        break;
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (gaps.size() < bitmap.length) {
      out.write(1);
      out.writeBytes(gaps.toByteArray());
    } else {
      out.write(0);
      out.writeBytes(bitmap);
    }
    return out.toByteArray();
  }

  static void write(DataOutputStream out, int[] sorted, int n) throws IOException {
    byte[] b = encode(sorted, n);
    out.writeInt(b.length);
    out.write(b);
  }

  static int[] read(DataInputStream in, int count, int n) throws IOException {
    int len = in.readInt();
    if (len < 1 || len > n / 8 + 1 + 5L * count) {
      throw new IOException("index block length " + len + " invalid for " + count + " of " + n);
    }
    byte[] b = new byte[len];
    in.readFully(b);
    int[] idx = new int[count];
    if (b[0] == 0) {
      int k = 0;
      for (int i = 0; i < n && k < count; i++) {
        if ((b[1 + (i >>> 3)] & (1 << (i & 7))) != 0) {
          idx[k++] = i;
        }
      }
      if (k != count) {
        throw new IOException("bitmap holds " + k + " indices, expected " + count);
      }
      return idx;
    }
    int pos = 1;
    int prev = -1;
    for (int k = 0; k < count; k++) {
      int v = 0;
      int shift = 0;
      while (true) {
        if (pos >= b.length) {
          throw new IOException("index block truncated");
        }
        int x = b[pos++] & 0xff;
        v |= (x & 0x7f) << shift;
        if ((x & 0x80) == 0) {
          break;
        }
        shift += 7;
        if (shift > 28) {
          throw new IOException("bad varint in index block");
        }
      }
      prev = prev + v + 1;
      if (prev >= n || prev < 0) {
        throw new IOException("index " + prev + " out of range " + n);
      }
      idx[k] = prev;
    }
    return idx;
  }

  private static void writeVarint(ByteArrayOutputStream out, int v) {
    while ((v & ~0x7f) != 0) {
      out.write((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.write(v);
  }
}
