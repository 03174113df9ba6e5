package org.sparkfusion.dlrm.embedding;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkfusion.dlrm.DlrmConf;

/**
 * The reference backend: fp32 sum pooling straight from the model's tables on the JVM heap, with the bundled native
 * kernel (software prefetch) when it loads, else the JDK Vector API, else a scalar loop. All three give
 * bit-identical results.
 */
final class CpuEmbeddingBackend implements EmbeddingBackend {
  private static final Logger LOG = LoggerFactory.getLogger(CpuEmbeddingBackend.class);
  static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
      && !Boolean.getBoolean("sparkfusion.dlrm.scalarPooling");
  private final EmbeddingTables tables;
  private final float[][] weights;
  private final int[] bases;
  private final long[] rows;
  private final int dim;
  private final boolean nativeKernel;

  CpuEmbeddingBackend(EmbeddingTables tables, boolean nativeRequested) {
    this.tables = tables;
    String why = !nativeRequested ? DlrmConf.CPU_NATIVE_POOLING.key() + "=false" : NativePooling.unavailableReason();
    this.nativeKernel = why == null;
    LOG.info("cpu embedding backend: {}", nativeKernel ? "native pooling kernel (" + NativePooling.kernel() + ")"
        : (VECTOR_API ? "JDK Vector API" : "scalar") + " pooling, native kernel not used: " + why);
    this.dim = tables.dim();
    this.weights = new float[tables.numTables()][];
    this.bases = new int[weights.length];
    this.rows = new long[weights.length];
    for (int t = 0; t < weights.length; t++) {
      weights[t] = tables.weights(t);
      bases[t] = tables.rowBase(t);
      rows[t] = tables.rows(t);
      BagChecks.checkTable("cpu", t, rows[t], dim, weights[t], bases[t]);
    }
  }

  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public void pool(int numBags, int[][] indices, int[][] offsets, float[] out) {
    int numTables = weights.length;
    int d = dim;
    int stride = numTables * d;
    BagChecks.checkOut("cpu", numBags, numTables, d, out);
    if (nativeKernel) {
      // The C side checks every id against rows[t] (and all lengths) itself; a failure pools nothing.
      for (int t = 0; t < numTables; t++) {
        long rc = NativePooling.poolTable(weights[t], bases[t], rows[t], d, indices[t], offsets[t], numBags, out,
            stride, t * d);
        if (rc > 0) {
          int k = (int) (rc - 1);
          throw BagChecks.badId("cpu", t, rows[t], indices[t][k], k);
        }
        if (rc != 0) {
          BagChecks.checkBags("cpu", t, rows[t], indices[t], offsets[t], numBags); // names what is wrong
          throw new IllegalArgumentException("cpu: embedding table " + t + ": the native kernel refused the batch"
              + " geometry (" + numBags + " bags, dim " + d + ", output of " + out.length + " floats)");
        }
      }
      return;
    }
    for (int t = 0; t < numTables; t++) {
      BagChecks.checkBags("cpu", t, rows[t], indices[t], offsets[t], numBags);
    }
    if (VECTOR_API) {
      for (int t = 0; t < numTables; t++) {
        VectorPooling.pool(weights[t], bases[t], d, indices[t], offsets[t], numBags, out, stride, t * d);
      }
      return;
    }
    scalarPool(numBags, indices, offsets, out);
  }

  void scalarPool(int numBags, int[][] indices, int[][] offsets, float[] out) {
    int numTables = weights.length;
    int d = dim;
    int stride = numTables * d;
    java.util.Arrays.fill(out, 0, numBags * stride, 0f);
    for (int t = 0; t < numTables; t++) {
      float[] w = weights[t];
      int w0 = bases[t];
      int[] idx = indices[t];
      int[] off = offsets[t];
      for (int b = 0; b < numBags; b++) {
        int o = b * stride + t * d;
        for (int k = off[b], end = off[b + 1]; k < end; k++) {
          int r = w0 + idx[k] * d;
          for (int q = 0; q < d; q++) {
            out[o + q] += w[r + q];
          }
        }
      }
    }
  }

  @Override
  public void close() {
    // Heap arrays only.
  }

  /** The pooling kernel in use: "native-avx2", "native-generic", "vector-api" or "scalar". */
  String kernel() {
    return nativeKernel ? "native-" + NativePooling.kernel() : VECTOR_API ? "vector-api" : "scalar";
  }

  EmbeddingTables tables() {
    return tables;
  }
}
