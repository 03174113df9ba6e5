package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.bytedeco.openblas.presets.openblas_nolapack;
import org.junit.jupiter.api.Test;

/** The OpenBLAS products against plain triple loops, and independent of OpenBLAS's thread count. */
class GemmTest {
  private static final int[][] SHAPES = {{1, 1, 1}, {3, 5, 7}, {9, 2, 11}, {64, 48, 96}, {130, 67, 129}};

  private static double[] random(SplittableRandom r, int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = r.nextDouble(-1, 1);
    }
    return x;
  }

  @Test void openBlasLoadsOnLinuxX86() {
    // CI and our machines are linux-x86_64, where nd4j-native ships OpenBLAS: the fallback must not be silent there
    if ("amd64".equals(System.getProperty("os.arch")) && System.getProperty("os.name").startsWith("Linux")) {
      assertThat(Gemm.isNative()).isTrue();
    }
  }

  @Test void productsMatchTripleLoops() {
    SplittableRandom r = new SplittableRandom(5);
    for (int[] s : SHAPES) {
      int m = s[0], k = s[1], n = s[2];
      String shape = m + "x" + k + "x" + n;
      double[] a = random(r, m * k);
      double[] b = random(r, k * n);
      double[] c = random(r, m * n);
      double[] want = c.clone();
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          for (int p = 0; p < k; p++) {
            want[i * n + j] += a[i * k + p] * b[p * n + j];
          }
        }
      }
      double[] got = c.clone();
      Gemm.nn(a, b, got, m, k, n);
      assertClose(got, want, "nn " + shape);

      double[] at = random(r, m * k); // [m,k]
      double[] bm = random(r, m * n); // [m,n]
      double[] ctn = random(r, k * n);
      double[] wantTn = ctn.clone();
      for (int p = 0; p < k; p++) {
        for (int j = 0; j < n; j++) {
          for (int i = 0; i < m; i++) {
            wantTn[p * n + j] += at[i * k + p] * bm[i * n + j];
          }
        }
      }
      Gemm.tn(at, bm, ctn, m, k, n);
      assertClose(ctn, wantTn, "tn " + shape);

      double[] bt = random(r, n * k); // [n,k]
      double[] cnt = random(r, m * n);
      double[] wantNt = cnt.clone();
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          for (int p = 0; p < k; p++) {
            wantNt[i * n + j] += a[i * k + p] * bt[j * k + p];
          }
        }
      }
      Gemm.nt(a, bt, cnt, m, k, n);
      assertClose(cnt, wantNt, "nt " + shape);
    }
  }

  @Test void resultDoesNotDependOnTheThreadCount() {
    if (!Gemm.isNative()) {
      return;
    }
    SplittableRandom r = new SplittableRandom(7);
    int m = 257, k = 384, n = 1153;
    double[] a = random(r, m * k);
    double[] b = random(r, k * n);
    int before = openblas_nolapack.blas_get_num_threads();
    try {
      openblas_nolapack.blas_set_num_threads(1);
      double[] one = new double[m * n];
      Gemm.nn(a, b, one, m, k, n);
      openblas_nolapack.blas_set_num_threads(2);
      double[] two = new double[m * n];
      Gemm.nn(a, b, two, m, k, n);
      assertThat(two).as("dgemm with 2 threads vs 1").isEqualTo(one);
    } finally {
      openblas_nolapack.blas_set_num_threads(before);
    }
  }

  private static void assertClose(double[] actual, double[] expected, String what) {
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as("%s element %d", what, i).isCloseTo(expected[i], within(1e-11));
    }
  }
}
