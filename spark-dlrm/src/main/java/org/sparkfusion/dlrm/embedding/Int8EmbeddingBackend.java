package org.sparkfusion.dlrm.embedding;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Row-wise 8-bit quantized tables: each row keeps a scale and its min, and one 8-bit code per value,
 * w ~= scale * q + min with q in [0, 255], about a quarter of the fp32 memory traffic. The pooled error per value
 * is at most bagSize * scale / 2 (plus float rounding).
 *
 * <p>Layout, one byte array per table, {@code dim + 8} bytes per row: the codes stored as {@code q - 128} (so a
 * row is {@code scale * code + bias} with a signed code and {@code bias = min + 128 * scale}), then the row's
 * scale and bias as little-endian floats. Keeping them beside the codes makes a lookup one memory fetch instead
 * of three on tables larger than the caches.
 */
final class Int8EmbeddingBackend implements EmbeddingBackend {
  static final boolean VECTOR_API = CpuEmbeddingBackend.VECTOR_API && Int8VectorPooling.supported();
  static final VarHandle FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
  private final int dim;
  private final int rowBytes;
  private final byte[][] rows;
  private final long[] counts;

  Int8EmbeddingBackend(EmbeddingTables tables) {
    this.dim = tables.dim();
    this.rowBytes = dim + 8;
    int n = tables.numTables();
    rows = new byte[n][];
    counts = new long[n];
    for (int t = 0; t < n; t++) {
      float[] w = tables.weights(t);
      int w0 = tables.rowBase(t);
      long count = tables.rows(t);
      BagChecks.checkTable("cpu-int8", t, count, dim, w, w0);
      counts[t] = count;
      if (count * rowBytes > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("cpu-int8: table " + t + " has " + count + " rows of dim " + dim
            + ", more than one Java array holds (" + (Integer.MAX_VALUE - 8) / rowBytes + " rows)");
      }
      byte[] data = new byte[(int) count * rowBytes];
      for (int r = 0; r < count; r++) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int q = 0; q < dim; q++) {
          lo = Math.min(lo, w[w0 + r * dim + q]);
          hi = Math.max(hi, w[w0 + r * dim + q]);
        }
        float scale = hi > lo ? (hi - lo) / 255f : 0f;
        int base = r * rowBytes;
        for (int q = 0; q < dim; q++) {
          int c = scale == 0f ? 0 : Math.round((w[w0 + r * dim + q] - lo) / scale);
          data[base + q] = (byte) (Math.max(0, Math.min(255, c)) - 128);
        }
        FLOAT.set(data, base + dim, scale);
        FLOAT.set(data, base + dim + 4, lo + 128f * scale);
      }
      rows[t] = data;
    }
  }

  @Override
  public String name() {
    return "cpu-int8";
  }

  @Override
  public void pool(int numBags, int[][] indices, int[][] offsets, float[] out) {
    int stride = rows.length * dim;
    BagChecks.checkOut("cpu-int8", numBags, rows.length, dim, out);
    for (int t = 0; t < rows.length; t++) {
      BagChecks.checkBags("cpu-int8", t, counts[t], indices[t], offsets[t], numBags);
    }
    if (VECTOR_API) {
      for (int t = 0; t < rows.length; t++) {
        Int8VectorPooling.pool(rows[t], dim, indices[t], offsets[t], numBags, out, stride, t * dim);
      }
      return;
    }
    scalarPool(numBags, indices, offsets, out);
  }

  void scalarPool(int numBags, int[][] indices, int[][] offsets, float[] out) {
    int numTables = rows.length;
    int d = dim;
    int stride = numTables * d;
    java.util.Arrays.fill(out, 0, numBags * stride, 0f);
    for (int t = 0; t < numTables; t++) {
      byte[] data = rows[t];
      int[] idx = indices[t];
      int[] off = offsets[t];
      for (int b = 0; b < numBags; b++) {
        int o = b * stride + t * d;
        for (int k = off[b], end = off[b + 1]; k < end; k++) {
          int r = idx[k] * rowBytes;
          float s = (float) FLOAT.get(data, r + d);
          float m = (float) FLOAT.get(data, r + d + 4);
          for (int q = 0; q < d; q++) {
            out[o + q] += s * data[r + q] + m;
          }
        }
      }
    }
  }

  @Override
  public void close() {
    // Heap arrays only.
  }
}
