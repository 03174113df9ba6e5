package org.sparkfusion.dlrm.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EmbeddingBackendsTest {

  /** Rows start {@link #HEAD} floats into each array (NaN before them), so a kernel ignoring rowBase fails. */
  static final int HEAD = 5;

  static EmbeddingTables tables(int dim, long seed, int... rows) {
    Random r = new Random(seed);
    float[][] w = new float[rows.length][];
    for (int t = 0; t < rows.length; t++) {
      w[t] = new float[HEAD + rows[t] * dim];
      java.util.Arrays.fill(w[t], 0, HEAD, Float.NaN);
      for (int k = HEAD; k < w[t].length; k++) {
        w[t][k] = (float) r.nextGaussian();
      }
    }
    return new EmbeddingTables() {
      public int numTables() {
        return w.length;
      }

      public int dim() {
        return dim;
      }

      public long rows(int table) {
        return (w[table].length - HEAD) / dim;
      }

      public float[] weights(int table) {
        return w[table];
      }

      public int rowBase(int table) {
        return HEAD;
      }
    };
  }

  @Test
  void largeTablesGetRowsOnCacheLines() {
    assertThat(NativePooling.unavailableReason()).as("native library built by this module loads").isNull();
    // 16 MB: larger than half of any G1 region, so the collector never moves it and the alignment holds.
    CacheAlignedRows rows = CacheAlignedRows.allocate(4 << 20);
    assertThat(rows.aligned()).as("row 0 on a 64-byte line (base %d)", rows.base()).isTrue();
    assertThat(rows.array().length - rows.base()).isGreaterThanOrEqualTo(4 << 20);
    assertThat(rows.base()).isBetween(0, 15);
  }

  @Test
  void cpuPoolsSumsOfRowsAndEmptyBagsToZero() {
    EmbeddingTables t = tables(3, 1, 4, 2);
    EmbeddingBackend cpu = new CpuBackendProvider().open(t, Map.of(), List.of());
    int[][] idx = {{1, 3, 3}, {1}};
    int[][] off = {{0, 3, 3}, {0, 0, 1}};
    float[] out = new float[2 * 2 * 3];
    java.util.Arrays.fill(out, 42f);
    cpu.pool(2, idx, off, out);
    for (int d = 0; d < 3; d++) {
      float[] w0 = t.weights(0);
      assertThat(out[d]).isEqualTo(w0[HEAD + 3 + d] + w0[HEAD + 9 + d] + w0[HEAD + 9 + d]);
      assertThat(out[3 + d]).isZero();
      assertThat(out[6 + d]).isZero();
      assertThat(out[9 + d]).isEqualTo(t.weights(1)[HEAD + 3 + d]);
    }
  }

  @Test
  void int8PoolsWithinHalfAQuantizationStepPerRow() {
    EmbeddingTables t = tables(16, 2, 100);
    EmbeddingBackend cpu = new CpuBackendProvider().open(t, Map.of(), List.of());
    EmbeddingBackend int8 = new CpuInt8BackendProvider().open(t, Map.of(), List.of());
    assertThat(int8.name()).isEqualTo("cpu-int8");
    int[][] idx = {{5, 17, 99, 42}};
    int[][] off = {{0, 4}};
    float[] a = new float[16];
    float[] b = new float[16];
    cpu.pool(1, idx, off, a);
    int8.pool(1, idx, off, b);
    float maxRange = 0;
    for (int row : idx[0]) {
      float lo = Float.MAX_VALUE;
      float hi = -Float.MAX_VALUE;
      for (int d = 0; d < 16; d++) {
        lo = Math.min(lo, t.weights(0)[HEAD + row * 16 + d]);
        hi = Math.max(hi, t.weights(0)[HEAD + row * 16 + d]);
      }
      maxRange = Math.max(maxRange, hi - lo);
    }
    float bound = 4 * (maxRange / 255f) / 2 + 1e-5f;
    boolean anyDifferent = false;
    for (int d = 0; d < 16; d++) {
      assertThat(b[d]).isCloseTo(a[d], within(bound));
      anyDifferent |= a[d] != b[d];
    }
    assertThat(anyDifferent).as("int8 really quantizes").isTrue();
  }

  @Test
  void vectorPoolingIsBitIdenticalToTheScalarLoopForEveryDim() {
    assertThat(CpuEmbeddingBackend.VECTOR_API).as("test JVM runs with jdk.incubator.vector").isTrue();
    assertPoolingIsBitIdenticalToTheScalarLoop(false, "vector-api");
  }

  @Test
  void nativePoolingIsBitIdenticalToTheScalarLoopForEveryDim() {
    assertThat(NativePooling.unavailableReason()).as("native kernel built by this module loads").isNull();
    assertPoolingIsBitIdenticalToTheScalarLoop(true, "native-" + NativePooling.kernel());
  }

  @Test
  void disablingNativePoolingInConfigurationFallsBackToTheVectorApi() {
    EmbeddingBackend cpu = new CpuBackendProvider().open(tables(16, 2, 10),
        Map.of("spark.sparkfusion.dlrm.cpu.nativePooling", "false"), List.of());
    assertThat(((CpuEmbeddingBackend) cpu).kernel()).isEqualTo("vector-api");
    assertThat(((CpuEmbeddingBackend) new CpuBackendProvider().open(tables(16, 2, 10), Map.of(), List.of())).kernel())
        .isEqualTo("native-" + NativePooling.kernel());
  }

  private static void assertPoolingIsBitIdenticalToTheScalarLoop(boolean nativeKernel, String expectedKernel) {
    for (int dim : new int[] {1, 3, 8, 16, 20, 24, 32, 64, 72, 136}) {
      EmbeddingTables t = tables(dim, dim, 50, 9);
      CpuEmbeddingBackend cpu = new CpuEmbeddingBackend(t, nativeKernel);
      assertThat(cpu.kernel()).isEqualTo(expectedKernel);
      Random r = new Random(dim);
      int bags = 5;
      int[][] idx = new int[2][];
      int[][] off = new int[2][bags + 1];
      for (int tb = 0; tb < 2; tb++) {
        java.util.List<Integer> ids = new java.util.ArrayList<>();
        for (int b = 0; b < bags; b++) {
          int k = b == 2 ? 0 : 1 + r.nextInt(6);
          for (int j = 0; j < k; j++) {
            ids.add(r.nextInt((int) t.rows(tb)));
          }
          off[tb][b + 1] = ids.size();
        }
        idx[tb] = ids.stream().mapToInt(Integer::intValue).toArray();
      }
      float[] vec = new float[bags * 2 * dim];
      float[] scalar = new float[bags * 2 * dim];
      java.util.Arrays.fill(vec, 7f);
      cpu.pool(bags, idx, off, vec);
      cpu.scalarPool(bags, idx, off, scalar);
      assertThat(vec).as("dim %d", dim).containsExactly(scalar);
    }
  }

  @Test
  void int8VectorPoolingMatchesTheScalarLoopForEveryDim() {
    assertThat(Int8EmbeddingBackend.VECTOR_API).as("test JVM runs with jdk.incubator.vector").isTrue();
    for (int dim : new int[] {1, 3, 8, 16, 20, 64, 72}) {
      EmbeddingTables t = tables(dim, dim, 50);
      Int8EmbeddingBackend int8 = new Int8EmbeddingBackend(t);
      Random r = new Random(dim);
      int bags = 4;
      int[][] idx = {new int[12]};
      int[][] off = {{0, 5, 5, 9, 12}};
      for (int k = 0; k < 12; k++) {
        idx[0][k] = r.nextInt(50);
      }
      float[] vec = new float[bags * dim];
      float[] scalar = new float[bags * dim];
      java.util.Arrays.fill(vec, 7f);
      int8.pool(bags, idx, off, vec);
      int8.scalarPool(bags, idx, off, scalar);
      for (int k = 0; k < vec.length; k++) {
        // Same terms, different summation order (bias added once per bag): float rounding only.
        assertThat(vec[k]).as("dim %d value %d", dim, k).isCloseTo(scalar[k], within(1e-5f * (1 + Math.abs(scalar[k]))));
      }
      for (int k = dim; k < 2 * dim; k++) {
        assertThat(vec[k]).as("empty bag, dim %d", dim).isZero();
      }
    }
  }
}
