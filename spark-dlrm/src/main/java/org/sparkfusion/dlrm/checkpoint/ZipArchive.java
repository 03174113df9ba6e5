package org.sparkfusion.dlrm.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reader of the zip container {@code torch.save} writes, over a {@link ByteSource} (the file is never loaded
 * whole). Entries are found through the central directory (local headers are only used to find where an entry's
 * data starts); zip64 records and extra fields are understood, so checkpoints over 4 GB and entries past 4 GB
 * offsets are read. Stored and deflated entries are supported.
 *
 * <p>Nothing a file declares is allocated before it is checked: a declared size must be what the caller expects
 * (a storage's size from the pickle), within the caller's cap, and within what the compressed bytes can hold
 * (deflate cannot expand more than 1032:1); inflation writes into a buffer that grows with what actually comes
 * out, and an entry that inflates to more or less than it declares, or whose CRC-32 differs, is an error (a
 * forged header means a forged file). All arithmetic on offsets and sizes is checked.
 */
final class ZipArchive {
  private static final int EOCD = 0x06054b50;
  private static final int ZIP64_LOCATOR = 0x07064b50;
  private static final int ZIP64_EOCD = 0x06064b50;
  private static final int CENTRAL = 0x02014b50;
  private static final int LOCAL = 0x04034b50;
  /** Deflate's largest possible expansion is about 1032:1; allow that plus a little slack for tiny entries. */
  static final long MAX_DEFLATE_RATIO = 1032;
  /** Largest central directory accepted (a torch checkpoint has a few entries per tensor). */
  static final long MAX_CENTRAL_DIRECTORY = 64L << 20;
  /** Largest single entry: it is returned as one byte array. */
  static final long MAX_ENTRY = Integer.MAX_VALUE - 8;
  private static final int CHUNK = 1 << 16;

  /** One central directory record. */
  record Entry(String name, int method, int flags, int crc, long compressedSize, long size, long localOffset) {}

  private final String source;
  private final ByteSource in;
  private final long length;
  private final Map<String, Entry> entries = new LinkedHashMap<>();

  ZipArchive(String source, ByteSource in) {
    this.source = source;
    this.in = in;
    this.length = in.length();
    readCentralDirectory();
  }

  static boolean looksLikeZip(byte[] head) {
    return head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
  }

  private ByteBuffer bytesAt(long pos, int len) {
    byte[] b = new byte[len];
    in.read(pos, b, 0, len);
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }

  private CheckpointFormatException corrupt(String what) {
    return new CheckpointFormatException(source + ": " + what);
  }

  private void readCentralDirectory() {
    if (length < 22) {
      throw corrupt("not a complete zip archive (" + length + " bytes; the file is truncated)");
    }
    int tailLen = (int) Math.min(length, 22 + 65535);
    long tailStart = length - tailLen;
    ByteBuffer tail = bytesAt(tailStart, tailLen);
    int e = -1;
    for (int p = tailLen - 22; p >= 0; p--) {
      // The comment length must reach exactly to the end of the file, so a signature inside a comment is skipped.
      if (tail.getInt(p) == EOCD && p + 22 + Short.toUnsignedInt(tail.getShort(p + 20)) == tailLen) {
        e = p;
        break;
      }
    }
    if (e < 0) {
      throw corrupt("not a complete zip archive (no end-of-central-directory record; the file is truncated or not"
          + " a torch.save checkpoint)");
    }
    long eocd = tailStart + e;
    int disk = Short.toUnsignedInt(tail.getShort(e + 4));
    int cdDisk = Short.toUnsignedInt(tail.getShort(e + 6));
    long count = Short.toUnsignedInt(tail.getShort(e + 10));
    long cdSize = Integer.toUnsignedLong(tail.getInt(e + 12));
    long cdOffset = Integer.toUnsignedLong(tail.getInt(e + 16));
    long cdEnd = eocd;
    if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL || disk == 0xFFFF || cdDisk == 0xFFFF) {
      if (eocd < 20 || bytesAt(eocd - 20, 4).getInt(0) != ZIP64_LOCATOR) {
        throw corrupt("zip end record points to zip64 fields but there is no zip64 locator (corrupt archive)");
      }
      ByteBuffer loc = bytesAt(eocd - 20, 20);
      long z = loc.getLong(8);
      if (z < 0 || z > eocd - 20 - 56) {
        throw corrupt("zip64 end record offset " + z + " lies outside the file (corrupt archive)");
      }
      ByteBuffer z64 = bytesAt(z, 56);
      if (z64.getInt(0) != ZIP64_EOCD) {
        throw corrupt("no zip64 end record at offset " + z + " (corrupt archive)");
      }
      disk = z64.getInt(16);
      cdDisk = z64.getInt(20);
      count = z64.getLong(32);
      cdSize = z64.getLong(40);
      cdOffset = z64.getLong(48);
      cdEnd = z;
    }
    if (disk != 0 || cdDisk != 0) {
      throw corrupt("multi-volume zip archives are not supported");
    }
    if (cdSize < 0 || cdOffset < 0 || cdSize > MAX_CENTRAL_DIRECTORY || count < 0 || count > cdSize / 46
        || cdOffset > cdEnd - cdSize) {
      throw corrupt("zip central directory (" + cdSize + " bytes at " + cdOffset + ", " + count + " entries) lies"
          + " outside the file or is implausible (truncated or corrupt)");
    }
    ByteBuffer cd = bytesAt(cdOffset, (int) cdSize);
    int p = 0;
    for (long i = 0; i < count; i++) {
      if (p + 46 > cdSize || cd.getInt(p) != CENTRAL) {
        throw corrupt("corrupt zip central directory at entry " + i);
      }
      int flags = Short.toUnsignedInt(cd.getShort(p + 8));
      int method = Short.toUnsignedInt(cd.getShort(p + 10));
      int crc = cd.getInt(p + 16);
      long comp = Integer.toUnsignedLong(cd.getInt(p + 20));
      long size = Integer.toUnsignedLong(cd.getInt(p + 24));
      int nameLen = Short.toUnsignedInt(cd.getShort(p + 28));
      int extraLen = Short.toUnsignedInt(cd.getShort(p + 30));
      int commentLen = Short.toUnsignedInt(cd.getShort(p + 32));
      long local = Integer.toUnsignedLong(cd.getInt(p + 42));
      int next = p + 46 + nameLen + extraLen + commentLen;
      if (next > cdSize) {
        throw corrupt("corrupt zip central directory at entry " + i + " (record runs past the directory)");
      }
      String name = new String(cd.array(), p + 46, nameLen, StandardCharsets.UTF_8);
      if (comp == 0xFFFFFFFFL || size == 0xFFFFFFFFL || local == 0xFFFFFFFFL) {
        long[] v = zip64Extra(cd, p + 46 + nameLen, extraLen, name,
            size == 0xFFFFFFFFL, comp == 0xFFFFFFFFL, local == 0xFFFFFFFFL);
        size = v[0] >= 0 ? v[0] : size;
        comp = v[1] >= 0 ? v[1] : comp;
        local = v[2] >= 0 ? v[2] : local;
      }
      if (entries.containsKey(name)) {
        throw corrupt("zip entry " + name + " appears twice in the central directory (corrupt or forged archive)");
      }
      if (local < 0 || local > cdOffset) {
        throw corrupt("zip entry " + name + " has its local header at " + local + ", outside the data area");
      }
      entries.put(name, new Entry(name, method, flags, crc, comp, size, local));
      p = next;
    }
  }

  /** Values of the zip64 extra field (id 1) for the fields that were 0xFFFFFFFF, in the order the format fixes. */
  private long[] zip64Extra(ByteBuffer cd, int at, int len, String name, boolean wantSize, boolean wantComp,
      boolean wantLocal) {
    long[] out = {-1, -1, -1};
    int end = at + len;
    while (at + 4 <= end) {
      int id = Short.toUnsignedInt(cd.getShort(at));
      int n = Short.toUnsignedInt(cd.getShort(at + 2));
      if (at + 4 + n > end) {
        break;
      }
      if (id == 1) {
        int q = at + 4;
        boolean[] want = {wantSize, wantComp, wantLocal};
        for (int k = 0; k < 3; k++) {
          if (want[k]) {
            if (q + 8 > at + 4 + n) {
              throw corrupt("zip entry " + name + " has a zip64 extra field too short for its sizes");
            }
            out[k] = cd.getLong(q);
            if (out[k] < 0) {
              throw corrupt("zip entry " + name + " has a zip64 size or offset over 2^63");
            }
            q += 8;
          }
        }
        return out;
      }
      at += 4 + n;
    }
    throw corrupt("zip entry " + name + " needs a zip64 extra field but has none");
  }

  Iterable<String> names() {
    return entries.keySet();
  }

  boolean contains(String name) {
    return entries.containsKey(name);
  }

  Entry entry(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw corrupt("zip entry " + name + " is missing");
    }
    return e;
  }

  /**
   * The uncompressed bytes of entry {@code name}. {@code expectedSize} is what the entry must hold (-1 if the
   * caller cannot know) and {@code maxSize} the most the caller accepts; both are checked against the declared
   * size before anything is allocated. {@code what} describes the entry in errors (e.g. "storage of tensor x").
   */
  byte[] read(String name, long expectedSize, long maxSize, String what) {
    Entry e = entry(name);
    String label = "zip entry " + name + (what == null ? "" : " (" + what + ")");
    if ((e.flags() & 1) != 0) {
      throw corrupt(label + " is encrypted");
    }
    long size = e.size();
    long comp = e.compressedSize();
    if (expectedSize >= 0 && size != expectedSize) {
      throw corrupt(label + " declares " + size + " bytes but should hold " + expectedSize
          + " (corrupt or forged checkpoint)");
    }
    long cap = Math.min(maxSize, MAX_ENTRY);
    if (size > cap) {
      throw corrupt(label + " declares " + size + " bytes, more than the " + cap + " accepted");
    }
    if (e.method() == 0 && comp != size) {
      throw corrupt(label + " is stored but declares " + comp + " compressed and " + size + " uncompressed bytes");
    }
    if (e.method() == 8 && size > 1024 && (size - 1024) / MAX_DEFLATE_RATIO > comp) {
      throw corrupt(label + " declares " + size + " bytes from " + comp + " compressed bytes, more than deflate can"
          + " produce (forged size)");
    }
    if (e.method() != 0 && e.method() != 8) {
      throw corrupt(label + " uses unsupported compression method " + e.method());
    }
    if (e.localOffset() > length - 30) {
      throw corrupt("corrupt local header of " + label + " (outside the file)");
    }
    ByteBuffer lh = bytesAt(e.localOffset(), 30);
    if (lh.getInt(0) != LOCAL) {
      throw corrupt("corrupt local header of " + label);
    }
    long start = e.localOffset() + 30 + Short.toUnsignedInt(lh.getShort(26)) + Short.toUnsignedInt(lh.getShort(28));
    if (start > length || comp > length - start) {
      throw corrupt(label + " is cut short (truncated file)");
    }
    byte[] out = e.method() == 0 ? stored(start, (int) size) : inflate(label, start, comp, (int) size);
    CRC32 crc = new CRC32();
    crc.update(out);
    if ((int) crc.getValue() != e.crc()) {
      throw corrupt(label + " fails its CRC-32 check (corrupt or forged checkpoint)");
    }
    return out;
  }

  private byte[] stored(long start, int size) {
    byte[] out = new byte[size];
    for (int got = 0; got < size; got += CHUNK) {
      in.read(start + got, out, got, Math.min(CHUNK, size - got));
    }
    return out;
  }

  private byte[] inflate(String label, long start, long comp, int size) {
    Inflater inflater = new Inflater(true);
    try {
      byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(1, comp))];
      long fed = 0;
      byte[] out = new byte[Math.min(size, CHUNK)];
      int got = 0;
      byte[] probe = new byte[1];
      int stalled = 0;
      while (!inflater.finished()) {
        long before = inflater.getBytesRead() + got;
        if (inflater.needsInput()) {
          if (fed == comp) {
            throw corrupt(label + " ends before its deflate stream does (truncated or corrupt)");
          }
          int n = (int) Math.min(chunk.length, comp - fed);
          in.read(start + fed, chunk, 0, n);
          inflater.setInput(chunk, 0, n);
          fed += n;
        }
        if (inflater.needsDictionary()) {
          throw corrupt(label + " needs a preset dictionary (not a torch.save entry)");
        }
        if (got == out.length && out.length < size) {
          out = Arrays.copyOf(out, (int) Math.min(size, 2L * out.length));
        }
        if (got < out.length) {
          got += inflater.inflate(out, got, out.length - got);
        } else if (inflater.inflate(probe) > 0) {
          throw corrupt(label + " inflates to more than the " + size + " bytes it declares (forged size)");
        }
        stalled = inflater.getBytesRead() + got == before && !inflater.needsInput() ? stalled + 1 : 0;
        if (stalled > 2) {
          throw corrupt(label + " has a deflate stream that makes no progress (corrupt)");
        }
      }
      if (got != size) {
        throw corrupt(label + " inflates to " + got + " bytes but declares " + size + " (corrupt or forged)");
      }
      return out;
    } catch (DataFormatException ex) {
      throw corrupt(label + " is corrupt: " + ex.getMessage());
    } finally {
      inflater.end();
    }
  }
}
