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

  private static boolean cpuHasAvx512() throws java.io.IOException {
    return java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc/cpuinfo")).stream()
        .anyMatch(l -> l.startsWith("flags") && java.util.Arrays.asList(l.split("\\s+")).contains("avx512f"));
  }

  @Test
  void nativeKernelIsUsedWithAvx512AndGivesTheVectorKernelsBits() throws Exception {
    if (!cpuHasAvx512()) {
      assertThat(Gemm.NATIVE).isFalse();
      assertThat(NativeGemm.unavailableReason()).contains("AVX-512");
      return;
    }
    assertThat(Gemm.NATIVE).as("native GEMM on an AVX-512 CPU: %s", NativeGemm.unavailableReason()).isTrue();
    assertThat(Gemm.kernel()).isEqualTo("native-avx512");
    for (int[] s : new int[][] {{7, 13, 37}, {4, 16, 32}, {1, 5, 1}, {9, 64, 16}, {5, 367, 40}, {101, 20, 40},
        {13, 9, 24}, {200, 3, 17}, {12, 512, 256}, {97, 256, 64}, {2048, 13, 512}, {64, 367, 512}, {1, 256, 1}}) {
      Random r = new Random(s[0] * 31 + s[1] * 7 + s[2]);
      float[] x = random(s[0] * s[1], r);
      float[] w = random(s[1] * s[2], r);
      float[] b = random(s[2], r);
      float[] viaJava = new float[s[0] * s[2]];
      float[] viaNative = new float[s[0] * s[2]];
      VectorGemm.affine(s[0], s[1], s[2], x, w, b, viaJava);
      assertThat(NativeGemm.affine(s[0], s[1], s[2], x, w, b, viaNative)).isZero();
      // Arrays.mismatch, not containsExactly: AssertJ diffs the arrays element by element (quadratic on 1M floats).
      assertThat(java.util.Arrays.mismatch(viaNative, viaJava)).as("first differing output of %dx%dx%d", s[0], s[1], s[2])
          .isEqualTo(-1);
    }
  }

  @Test
  void nativeKernelRefusesSizesThatDoNotFitTheArrays() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Gemm.NATIVE, "native GEMM not in use here");
    float[] x = new float[4 * 3];
    float[] w = new float[3 * 5];
    float[] b = new float[5];
    float[] y = new float[4 * 5 - 1];
    assertThat(NativeGemm.affine(4, 3, 5, x, w, b, y)).isEqualTo(-1);
    assertThat(NativeGemm.affine(Integer.MAX_VALUE, 3, 5, x, w, b, new float[20])).isEqualTo(-1);
    assertThat(NativeGemm.affine(4, -1, 5, x, w, b, new float[20])).isEqualTo(-1);
    assertThat(y).containsOnly(0f);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Gemm.affine(4, 3, 5, x, w, b, y))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 x 3 x 5 does not fit");
  }
}
