package org.sparkfusion.dlrm.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Minimal reader of the zip container {@code torch.save} writes, over bytes already in memory. Reads the
 * central directory (so entries are found by name without trusting local headers), supports stored and
 * deflated entries, and reports truncation or corruption with the source name.
 */
final class ZipArchive {
  private static final int EOCD = 0x06054b50;
  private static final int CENTRAL = 0x02014b50;
  private static final int LOCAL = 0x04034b50;

  private final String source;
  private final ByteBuffer buf;
  private final Map<String, int[]> entries = new LinkedHashMap<>(); // name -> {method, compSize, size, localOffset}

  ZipArchive(String source, byte[] bytes) {
    this.source = source;
    this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    readCentralDirectory();
  }

  static boolean looksLikeZip(byte[] bytes) {
    return bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4;
  }

  private void readCentralDirectory() {
    int n = buf.capacity();
    int eocd = -1;
    for (int p = n - 22; p >= Math.max(0, n - 22 - 65535); p--) {
      if (buf.getInt(p) == EOCD) {
        eocd = p;
        break;
      }
    }
    if (eocd < 0) {
      throw new CheckpointFormatException(source + ": not a complete zip archive (no end-of-central-directory "
          + "record; the file is truncated or not a torch.save checkpoint)");
    }
    int count = Short.toUnsignedInt(buf.getShort(eocd + 10));
    long cdSize = Integer.toUnsignedLong(buf.getInt(eocd + 12));
    long cdOffset = Integer.toUnsignedLong(buf.getInt(eocd + 16));
    if (count == 0xFFFF || cdOffset == 0xFFFFFFFFL) {
      throw new CheckpointFormatException(source + ": zip64 archives (checkpoints over 4 GB) are not supported;"
          + " export the state_dict as a directory of .npy files instead");
    }
    if (cdOffset + cdSize > eocd) {
      throw new CheckpointFormatException(source + ": zip central directory lies outside the file (truncated or corrupt)");
    }
    int p = (int) cdOffset;
    for (int i = 0; i < count; i++) {
      if (p + 46 > eocd || buf.getInt(p) != CENTRAL) {
        throw new CheckpointFormatException(source + ": corrupt zip central directory at entry " + i);
      }
      int method = Short.toUnsignedInt(buf.getShort(p + 10));
      long comp = Integer.toUnsignedLong(buf.getInt(p + 20));
      long size = Integer.toUnsignedLong(buf.getInt(p + 24));
      int nameLen = Short.toUnsignedInt(buf.getShort(p + 28));
      int extraLen = Short.toUnsignedInt(buf.getShort(p + 30));
      int commentLen = Short.toUnsignedInt(buf.getShort(p + 32));
      long local = Integer.toUnsignedLong(buf.getInt(p + 42));
      String name = new String(buf.array(), p + 46, nameLen, java.nio.charset.StandardCharsets.UTF_8);
      if (comp > Integer.MAX_VALUE || size > Integer.MAX_VALUE || local > Integer.MAX_VALUE) {
        throw new CheckpointFormatException(source + ": zip entry " + name + " is too large (zip64 not supported)");
      }
      entries.put(name, new int[] {method, (int) comp, (int) size, (int) local});
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  Iterable<String> names() {
    return entries.keySet();
  }

  boolean contains(String name) {
    return entries.containsKey(name);
  }

  /** The uncompressed bytes of entry {@code name}; fails naming the entry if it is missing or cut short. */
  byte[] read(String name) {
    int[] e = entries.get(name);
    if (e == null) {
      throw new CheckpointFormatException(source + ": zip entry " + name + " is missing");
    }
    int local = e[3];
    if (local + 30 > buf.capacity() || buf.getInt(local) != LOCAL) {
      throw new CheckpointFormatException(source + ": corrupt local header of zip entry " + name);
    }
    int start = local + 30 + Short.toUnsignedInt(buf.getShort(local + 26)) + Short.toUnsignedInt(buf.getShort(local + 28));
    if ((long) start + e[1] > buf.capacity()) {
      throw new CheckpointFormatException(source + ": zip entry " + name + " is cut short (truncated file)");
    }
    if (e[0] == 0) {
      if (e[1] != e[2]) {
        throw new CheckpointFormatException(source + ": stored zip entry " + name + " has inconsistent sizes");
      }
      byte[] out = new byte[e[2]];
      System.arraycopy(buf.array(), start, out, 0, e[2]);
      return out;
    }
    if (e[0] == 8) {
      Inflater inflater = new Inflater(true);
      try {
        inflater.setInput(buf.array(), start, e[1]);
        byte[] out = new byte[e[2]];
        int got = 0;
        while (got < out.length) {
          int k = inflater.inflate(out, got, out.length - got);
          if (k == 0 && (inflater.finished() || inflater.needsInput())) {
            break;
          }
          got += k;
        }
        if (got != out.length) {
          throw new CheckpointFormatException(source + ": zip entry " + name + " inflates to " + got
              + " bytes, expected " + out.length);
        }
        return out;
      } catch (DataFormatException ex) {
        throw new CheckpointFormatException(source + ": zip entry " + name + " is corrupt: " + ex.getMessage(), ex);
      } finally {
        inflater.end();
      }
    }
    throw new CheckpointFormatException(source + ": zip entry " + name + " uses unsupported compression method " + e[0]);
  }
}
