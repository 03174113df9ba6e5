package org.sparkfusion.dlrm.checkpoint;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes zip archives byte by byte for the fault corpus and the zip64 tests, classic or zip64 (every entry with a
 * zip64 extended-information extra field in its local and central headers, the 32-bit fields set to 0xFFFFFFFF,
 * and a zip64 end-of-central-directory record with its locator), and reports where each structure starts so that
 * a test can forge one field.
 */
final class ZipWriter {
  /** One entry: its name, uncompressed content and whether it is deflated (else stored). */
  record Item(String name, byte[] data, boolean deflate) {}

  /** The archive and the offsets of its structures (-1 where absent). */
  record Layout(byte[] bytes, int[] local, int[] dataStart, int[] central, int centralStart, int zip64End,
      int zip64Locator, int end) {}

  private ZipWriter() {}

  static byte[] deflate(byte[] data) {
    Deflater d = new Deflater(6, true);
    d.setInput(data);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return out.toByteArray();
  }

  static Layout write(List<Item> items, boolean zip64) {
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    ByteArrayOutputStream cd = new ByteArrayOutputStream();
    int n = items.size();
    int[] local = new int[n];
    int[] dataStart = new int[n];
    int[] central = new int[n];
    for (int i = 0; i < n; i++) {
      Item it = items.get(i);
      byte[] name = it.name().getBytes(StandardCharsets.UTF_8);
      byte[] stored = it.deflate() ? deflate(it.data()) : it.data();
      CRC32 crc = new CRC32();
      crc.update(it.data());
      short version = (short) (zip64 ? 45 : 20);
      int size32 = zip64 ? -1 : it.data().length;
      int comp32 = zip64 ? -1 : stored.length;
      local[i] = z.size();
      ByteBuffer lh = le(30 + name.length + (zip64 ? 20 : 0));
      lh.putInt(0x04034b50).putShort(version).putShort((short) 0).putShort((short) (it.deflate() ? 8 : 0))
          .putShort((short) 0).putShort((short) 0x21).putInt((int) crc.getValue()).putInt(comp32).putInt(size32)
          .putShort((short) name.length).putShort((short) (zip64 ? 20 : 0)).put(name);
      if (zip64) {
        lh.putShort((short) 1).putShort((short) 16).putLong(it.data().length).putLong(stored.length);
      }
      z.writeBytes(lh.array());
      dataStart[i] = z.size();
      z.writeBytes(stored);
      central[i] = cd.size();
      ByteBuffer ch = le(46 + name.length + (zip64 ? 28 : 0));
      ch.putInt(0x02014b50).putShort(version).putShort(version).putShort((short) 0)
          .putShort((short) (it.deflate() ? 8 : 0)).putShort((short) 0).putShort((short) 0x21)
          .putInt((int) crc.getValue()).putInt(comp32).putInt(size32).putShort((short) name.length)
          .putShort((short) (zip64 ? 28 : 0)).putShort((short) 0).putShort((short) 0).putShort((short) 0)
          .putInt(0).putInt(zip64 ? -1 : local[i]).put(name);
      if (zip64) {
        ch.putShort((short) 1).putShort((short) 24).putLong(it.data().length).putLong(stored.length)
            .putLong(local[i]);
      }
      cd.writeBytes(ch.array());
    }
    int cdStart = z.size();
    for (int i = 0; i < n; i++) {
      central[i] += cdStart;
    }
    z.writeBytes(cd.toByteArray());
    int zip64End = -1;
    int locator = -1;
    if (zip64) {
      zip64End = z.size();
      ByteBuffer e64 = le(56);
      e64.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
          .putLong(n).putLong(n).putLong(cd.size()).putLong(cdStart);
      z.writeBytes(e64.array());
      locator = z.size();
      ByteBuffer loc = le(20);
      loc.putInt(0x07064b50).putInt(0).putLong(zip64End).putInt(1);
      z.writeBytes(loc.array());
    }
    int end = z.size();
    ByteBuffer eocd = le(22);
    eocd.putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
        .putShort((short) (zip64 ? 0xFFFF : n)).putShort((short) (zip64 ? 0xFFFF : n))
        .putInt(zip64 ? -1 : cd.size()).putInt(zip64 ? -1 : cdStart).putShort((short) 0);
    z.writeBytes(eocd.array());
    return new Layout(z.toByteArray(), local, dataStart, central, cdStart, zip64End, locator, end);
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A copy of {@code b} with the little-endian {@code width}-byte field at {@code at} set to {@code v}. */
  static byte[] patch(byte[] b, int at, int width, long v) {
    byte[] out = Arrays.copyOf(b, b.length);
    for (int i = 0; i < width; i++) {
      out[at + i] = (byte) (v >>> (8 * i));
    }
    return out;
  }
}
