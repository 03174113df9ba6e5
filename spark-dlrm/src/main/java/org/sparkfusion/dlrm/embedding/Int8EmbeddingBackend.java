package org.sparkfusion.dlrm.embedding;

/**
 * Row-wise 8-bit quantized tables: each row keeps a scale and an offset (its min) and one unsigned byte per
 * value, w ~= scale * q + min, a quarter of the fp32 memory traffic. The pooled error per value is at most
 * bagSize * scale / 2.
 */
final class Int8EmbeddingBackend implements EmbeddingBackend {
  private final int dim;
  private final byte[][] codes;
  private final float[][] scales;
  private final float[][] mins;

  Int8EmbeddingBackend(EmbeddingTables tables) {
    this.dim = tables.dim();
    int n = tables.numTables();
    codes = new byte[n][];
    scales = new float[n][];
    mins = new float[n][];
    for (int t = 0; t < n; t++) {
      float[] w = tables.weights(t);
      int rows = (int) tables.rows(t);
      codes[t] = new byte[rows * dim];
      scales[t] = new float[rows];
      mins[t] = new float[rows];
      for (int r = 0; r < rows; r++) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int q = 0; q < dim; q++) {
          lo = Math.min(lo, w[r * dim + q]);
          hi = Math.max(hi, w[r * dim + q]);
        }
        float scale = hi > lo ? (hi - lo) / 255f : 0f;
        scales[t][r] = scale;
        mins[t][r] = lo;
        for (int q = 0; q < dim; q++) {
          int c = scale == 0f ? 0 : Math.round((w[r * dim + q] - lo) / scale);
          codes[t][r * dim + q] = (byte) Math.max(0, Math.min(255, c));
        }
      }
    }
  }

  @Override
  public String name() {
    return "cpu-int8";
  }

  @Override
  public void pool(int numBags, int[][] indices, int[][] offsets, float[] out) {
    int numTables = codes.length;
    int d = dim;
    int stride = numTables * d;
    java.util.Arrays.fill(out, 0, numBags * stride, 0f);
    for (int t = 0; t < numTables; t++) {
      byte[] c = codes[t];
      float[] sc = scales[t];
      float[] mn = mins[t];
      int[] idx = indices[t];
      int[] off = offsets[t];
      for (int b = 0; b < numBags; b++) {
        int o = b * stride + t * d;
        for (int k = off[b], end = off[b + 1]; k < end; k++) {
          int row = idx[k];
          float s = sc[row];
          float m = mn[row];
          int r = row * d;
          for (int q = 0; q < d; q++) {
            out[o + q] += s * (c[r + q] & 0xff) + m;
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
