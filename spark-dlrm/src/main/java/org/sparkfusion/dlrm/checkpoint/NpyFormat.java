package org.sparkfusion.dlrm.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.sparkfusion.dlrm.embedding.CacheAlignedRows;

/** NumPy {@code .npy} files holding little-endian float32 arrays in C order (nothing else is accepted). */
public final class NpyFormat {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  private NpyFormat() {}

  /**
   * Parses {@code bytes} as a float32 array named {@code name}; {@code source} names the file in errors. The header
   * must be exactly the dict NumPy writes (keys descr, fortran_order, shape, each once, nothing else), the shape's
   * element count is computed with checked arithmetic ({@link Shapes}), and the data must be exactly that many
   * values: a shorter file is truncated, a longer one is not what its header says.
   */
  public static Tensor read(String source, String name, byte[] bytes) {
    String where = source + ": tensor " + name;
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < MAGIC.length; i++) {
      if (bytes.length <= i || bytes[i] != MAGIC[i]) {
        throw new CheckpointFormatException(where + ": not a .npy file (bad magic)");
      }
    }
    if (bytes.length < 10) {
      throw new CheckpointFormatException(where + ": truncated .npy header");
    }
    int major = bytes[6];
    int minor = bytes[7];
    long headerLen;
    int start;
    if (major == 1 && minor == 0) {
      headerLen = Short.toUnsignedInt(buf.getShort(8));
      start = 10;
    } else if ((major == 2 || major == 3) && minor == 0) {
      if (bytes.length < 12) {
        throw new CheckpointFormatException(where + ": truncated .npy header");
      }
      headerLen = Integer.toUnsignedLong(buf.getInt(8));
      start = 12;
    } else {
      throw new CheckpointFormatException(where + ": unsupported .npy version " + major + "." + minor);
    }
    if (start + headerLen > bytes.length) {
      throw new CheckpointFormatException(where + ": truncated .npy header (declares " + headerLen
          + " header bytes, the file has " + (bytes.length - start) + ")");
    }
    String header = new String(bytes, start, (int) headerLen,
        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    NpyHeader h = NpyHeader.parse(where, header);
    if (!h.descr().equals("<f4")) {
      throw new CheckpointFormatException(where + " has dtype '" + h.descr()
          + "'; only little-endian float32 ('<f4') is supported (save with arr.astype(np.float32))");
    }
    if (h.fortranOrder()) {
      throw new CheckpointFormatException(where + " is in Fortran order; save a C-order array"
          + " (np.ascontiguousarray)");
    }
    long[] shape = h.shape();
    int n = Shapes.elementCount(where, shape);
    long dataStart = start + headerLen;
    long need = 4L * n;
    long have = bytes.length - dataStart;
    if (have != need) {
      throw new CheckpointFormatException(where + " " + java.util.Arrays.toString(shape) + " needs " + need
          + " data bytes but the file has " + have + (have < need ? " (truncated)" : " (trailing bytes)"));
    }
    CacheAlignedRows values = CacheAlignedRows.allocate(n);
    buf.position((int) dataStart);
    buf.asFloatBuffer().get(values.array(), values.base(), n);
    return new Tensor(name, shape, values, n);
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
}
