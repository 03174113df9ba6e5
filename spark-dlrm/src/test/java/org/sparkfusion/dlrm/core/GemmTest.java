package org.sparkfusion.dlrm.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class GemmTest {

  private static float[] random(int n, Random r) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }

  private static void check(int n, int in, int out, boolean vector) {
    Random r = new Random(n * 31 + in * 7 + out);
    float[] x = random(n * in, r);
    float[] w = random(in * out, r);
    float[] b = random(out, r);
    float[] y = new float[n * out];
    if (vector) {
      VectorGemm.affine(n, in, out, x, w, b, y);
    } else {
      Gemm.scalarAffine(n, in, out, x, w, b, y);
    }
    for (int row = 0; row < n; row++) {
      for (int c = 0; c < out; c++) {
        double s = b[c];
        for (int i = 0; i < in; i++) {
          s += (double) x[row * in + i] * w[i * out + c];
        }
        assertThat((double) y[row * out + c]).as("(%d,%d) of %dx%dx%d", row, c, n, in, out).isCloseTo(s, within(1e-4));
      }
    }
  }

  @Test
  void vectorKernelMatchesDoublePrecisionProductOnRaggedSizes() {
    assertThat(Gemm.VECTOR_API).as("test JVM runs with jdk.incubator.vector").isTrue();
    for (int[] s : new int[][] {{7, 13, 37}, {4, 16, 32}, {1, 5, 1}, {9, 64, 16}, {5, 367, 40},
        {101, 20, 40}, {13, 9, 24}, {200, 3, 17}}) {
      check(s[0], s[1], s[2], true);
    }
  }

  @Test
  void scalarKernelMatchesDoublePrecisionProductOnRaggedSizes() {
    for (int[] s : new int[][] {{7, 13, 37}, {4, 16, 32}, {1, 5, 1}, {9, 64, 16}}) {
      check(s[0], s[1], s[2], false);
    }
  }
}
