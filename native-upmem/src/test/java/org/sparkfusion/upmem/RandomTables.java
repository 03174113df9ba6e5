package org.sparkfusion.upmem;

import java.util.SplittableRandom;
import org.sparkfusion.dlrm.embedding.EmbeddingTables;

/** Random fp32 tables in [-1, 1) for tests. */
final class RandomTables implements EmbeddingTables {
  private final float[][] weights;
  private final int dim;

  RandomTables(int dim, long seed, int... rows) {
    this.dim = dim;
    SplittableRandom r = new SplittableRandom(seed);
    weights = new float[rows.length][];
    for (int t = 0; t < rows.length; t++) {
      weights[t] = new float[rows[t] * dim];
      for (int i = 0; i < weights[t].length; i++) {
        weights[t][i] = (float) (r.nextDouble() * 2 - 1);
      }
    }
  }

  @Override
  public int numTables() {
    return weights.length;
  }

  @Override
  public int dim() {
    return dim;
  }

  @Override
  public long rows(int table) {
    return weights[table].length / dim;
  }

  @Override
  public float[] weights(int table) {
    return weights[table];
  }

  /** Plain Java sum pooling in double, the reference the DPU path must match. */
  static double[] referencePool(EmbeddingTables tables, Batch b) {
    int t = tables.numTables();
    int dim = tables.dim();
    double[] out = new double[b.numBags * t * dim];
    for (int k = 0; k < t; k++) {
      float[] w = tables.weights(k);
      for (int bag = 0; bag < b.numBags; bag++) {
        for (int i = b.offsets[k][bag]; i < b.offsets[k][bag + 1]; i++) {
          int row = b.indices[k][i];
          for (int d = 0; d < dim; d++) {
            out[bag * t * dim + k * dim + d] += w[row * dim + d];
          }
        }
      }
    }
    return out;
  }

  static double maxDiff(double[] ref, float[] got) {
    double m = 0;
    for (int i = 0; i < ref.length; i++) {
      m = Math.max(m, Math.abs(ref[i] - got[i]));
    }
    return m;
  }
}
