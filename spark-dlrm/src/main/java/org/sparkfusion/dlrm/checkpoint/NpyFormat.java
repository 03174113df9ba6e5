package org.sparkfusion.dlrm.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparkfusion.dlrm.embedding.CacheAlignedRows;

/** NumPy {@code .npy} files holding little-endian float32 arrays in C order (nothing else is accepted). */
public final class NpyFormat {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private NpyFormat() {}

  /** Parses {@code bytes} as a float32 array named {@code name}; {@code source} names the file in errors. */
  public static Tensor read(String source, String name, byte[] bytes) {
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < MAGIC.length; i++) {
      if (bytes.length <= i || bytes[i] != MAGIC[i]) {
        throw new CheckpointFormatException(source + ": not a .npy file (bad magic)");
      }
    }
    if (bytes.length < 10) {
      throw new CheckpointFormatException(source + ": truncated .npy header");
    }
    int major = bytes[6];
    int headerLen;
    int start;
    if (major == 1) {
      headerLen = Short.toUnsignedInt(buf.getShort(8));
      start = 10;
    } else if (major == 2 || major == 3) {
      if (bytes.length < 12) {
        throw new CheckpointFormatException(source + ": truncated .npy header");
      }
      headerLen = buf.getInt(8);
      start = 12;
    } else {
      throw new CheckpointFormatException(source + ": unsupported .npy version " + major);
    }
    if (headerLen < 0 || start + headerLen > bytes.length) {
      throw new CheckpointFormatException(source + ": truncated .npy header");
    }
    String header = new String(bytes, start, headerLen, StandardCharsets.ISO_8859_1);
    String descr = group(DESCR, header, source, "descr");
    if (!descr.equals("<f4")) {
      throw new CheckpointFormatException(source + ": tensor " + name + " has dtype '" + descr
          + "'; only little-endian float32 ('<f4') is supported (save with arr.astype(np.float32))");
    }
    if (group(FORTRAN, header, source, "fortran_order").equals("True")) {
      throw new CheckpointFormatException(source + ": tensor " + name + " is in Fortran order; save a C-order array"
          + " (np.ascontiguousarray)");
    }
    String[] parts = group(SHAPE, header, source, "shape").split(",");
    long[] shape = java.util.Arrays.stream(parts).map(String::trim).filter(s -> !s.isEmpty())
        .mapToLong(Long::parseLong).toArray();
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    int dataStart = start + headerLen;
    if (n > Integer.MAX_VALUE - 8 || dataStart + n * 4 > bytes.length) {
      throw new CheckpointFormatException(source + ": tensor " + name + " " + java.util.Arrays.toString(shape)
          + " needs " + n * 4 + " data bytes but the file has " + (bytes.length - dataStart) + " (truncated)");
    }
    CacheAlignedRows values = CacheAlignedRows.allocate((int) n);
    buf.position(dataStart);
    buf.asFloatBuffer().get(values.array(), values.base(), (int) n);
    return new Tensor(name, shape, values, (int) n);
  }

  /** Encodes {@code t} as a version 1.0 .npy file. */
  public static byte[] write(Tensor t) {
    StringBuilder shape = new StringBuilder("(");
    for (int i = 0; i < t.rank(); i++) {
      shape.append(t.dim(i)).append(t.rank() == 1 ? "," : (i + 1 < t.rank() ? ", " : ""));
    }
    shape.append(')');
    StringBuilder header = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }");
    while ((10 + header.length() + 1) % 64 != 0) {
      header.append(' ');
    }
    header.append('\n');
    CacheAlignedRows data = t.storage();
    ByteBuffer body = ByteBuffer.allocate(10 + header.length() + t.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
    body.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
    body.put(header.toString().getBytes(StandardCharsets.ISO_8859_1));
    body.asFloatBuffer().put(data.array(), data.base(), t.size());
    return body.array();
  }

  private static String group(Pattern p, String header, String source, String what) {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new CheckpointFormatException(source + ": .npy header has no valid '" + what + "': " + header.trim());
    }
    return m.group(1);
  }

}
