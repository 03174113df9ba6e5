package org.sparkfusion.dagtrain;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format for one float64 array, written and read without any code from the file: the reader
 * accepts exactly the header {@code {'descr': '<f8', 'fortran_order': False, 'shape': (...)}} (versions 1.0 to 3.0),
 * never a pickled object, checks the shape's product with checked arithmetic against the bytes present, and names
 * the file in every error. {@code numpy.load(f)} (with its default {@code allow_pickle=False}) reads what this writes.
 */
final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern HEADER = Pattern.compile(
      "\\{\\s*'descr'\\s*:\\s*'<f8'\\s*,\\s*'fortran_order'\\s*:\\s*False\\s*,\\s*'shape'\\s*:\\s*\\(([0-9,\\s]*)\\)\\s*,?\\s*\\}\\s*");

  private Npy() {}

  /** One array: its shape (row-major, C order) and values. */
  record Array(int[] shape, double[] data) { }

  static byte[] write(int[] shape, double[] data) {
    StringBuilder dims = new StringBuilder();
    for (int d : shape) {
      dims.append(d).append(", ");
    }
    String tuple = shape.length == 1 ? shape[0] + "," : dims.length() == 0 ? "" : dims.substring(0, dims.length() - 2);
    String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + tuple + "), }";
    // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n
    int unpadded = 10 + dict.length() + 1;
    int total = (unpadded + 63) / 64 * 64;
    String header = dict + " ".repeat(total - unpadded) + "\n";
    ByteBuffer buf = ByteBuffer.allocate(Math.addExact(total, Math.multiplyExact(8, data.length)))
        .order(ByteOrder.LITTLE_ENDIAN);
    buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
    buf.put(header.getBytes(StandardCharsets.US_ASCII));
    buf.asDoubleBuffer().put(data);
    return buf.array();
  }

  static Array read(byte[] bytes, String file) throws IOException {
    if (bytes.length < 10) {
      throw new IOException(file + ": not a .npy file (" + bytes.length + " bytes)");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (bytes[i] != MAGIC[i]) {
        throw new IOException(file + ": not a .npy file (bad magic)");
      }
    }
    int major = bytes[6];
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long headerLen;
    int offset;
    if (major == 1) {
      headerLen = buf.getShort(8) & 0xffff;
      offset = 10;
    } else if (major == 2 || major == 3) {
      headerLen = buf.getInt(8) & 0xffffffffL;
      offset = 12;
    } else {
      throw new IOException(file + ": unsupported .npy version " + major + "." + bytes[7]);
    }
    if (offset + headerLen > bytes.length) {
      throw new IOException(file + ": header of " + headerLen + " bytes runs past the end of the file");
    }
    String header = new String(bytes, offset, (int) headerLen, StandardCharsets.US_ASCII);
    Matcher m = HEADER.matcher(header);
    if (!m.matches()) {
      throw new IOException(file + ": only little-endian float64 C-order arrays are read ('<f8', fortran_order False),"
          + " header is " + header.trim());
    }
    String[] parts = m.group(1).split(",");
    java.util.List<Integer> dims = new java.util.ArrayList<>();
    long count = 1;
    for (String p : parts) {
      String t = p.trim();
      if (t.isEmpty()) {
        continue;
      }
      int d;
      try {
        d = Integer.parseInt(t);
      } catch (NumberFormatException e) {
        throw new IOException(file + ": dimension '" + t + "' of the shape is too large");
      }
      dims.add(d);
      count = Math.multiplyExact(count, (long) d);
    }
    long dataStart = offset + headerLen;
    long expected = Math.addExact(dataStart, Math.multiplyExact(count, 8L));
    if (expected != bytes.length || count > Integer.MAX_VALUE) {
      throw new IOException(file + ": shape " + dims + " needs " + count + " float64 values (" + expected
          + " bytes with the header), the file has " + bytes.length + " bytes");
    }
    double[] data = new double[(int) count];
    ByteBuffer body = ByteBuffer.wrap(bytes, (int) dataStart, (int) (count * 8)).slice().order(ByteOrder.LITTLE_ENDIAN);
    body.asDoubleBuffer().get(data);
    return new Array(dims.stream().mapToInt(Integer::intValue).toArray(), data);
  }
}
