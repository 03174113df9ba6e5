package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Blas's blocked kernels against plain triple loops, on shapes that reach every remainder path (odd row counts,
 * reduction lengths that are not multiples of the blocking), with offsets into larger arrays and accumulation
 * into a non-zero C.
 */
class BlasTest {
  private static final int[][] SHAPES = {{1, 1, 1}, {2, 4, 3}, {3, 5, 7}, {5, 3, 2}, {6, 9, 4}, {7, 6, 5}, {9, 2, 11}};
  private static final int OFF = 3;

  private static double[] random(SplittableRandom r, int n) {
    double[] x = new double[n + 2 * OFF];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextDouble(-1, 1);
    }
    return x;
  }

  private static void assertClose(double[] actual, double[] expected, String what) {
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as("%s element %d", what, i).isCloseTo(expected[i], within(1e-12));
    }
  }

  @Test void productsMatchTripleLoops() {
    SplittableRandom r = new SplittableRandom(3);
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
            want[OFF + i * n + j] += a[OFF + i * k + p] * b[OFF + p * n + j];
          }
        }
      }
      double[] got = c.clone();
      Blas.gemm(a, OFF, b, OFF, got, OFF, m, k, n);
      assertClose(got, want, "A*B " + shape);

      double[] bt = random(r, n * k); // B[n,k]
      want = c.clone();
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          for (int p = 0; p < k; p++) {
            want[OFF + i * n + j] += a[OFF + i * k + p] * bt[OFF + j * k + p];
          }
        }
      }
      got = c.clone();
      Blas.gemmBT(a, OFF, bt, OFF, got, OFF, m, k, n);
      assertClose(got, want, "A*B^T " + shape);

      double[] bm = random(r, m * n); // B[m,n], C[k,n]
      double[] ck = random(r, k * n);
      want = ck.clone();
      for (int p = 0; p < k; p++) {
        for (int j = 0; j < n; j++) {
          for (int i = 0; i < m; i++) {
            want[OFF + p * n + j] += a[OFF + i * k + p] * bm[OFF + i * n + j];
          }
        }
      }
      got = ck.clone();
      Blas.gemmAT(a, OFF, bm, OFF, got, OFF, m, k, n);
      assertClose(got, want, "A^T*B " + shape);
    }
  }

  @Test void triangularVariantsMatchTheFullProducts() {
    SplittableRandom r = new SplittableRandom(4);
    for (int t = 1; t <= 9; t++) {
      for (int k : new int[] {1, 3, 4, 6}) {
        // lower-triangular A[t,t]: zero above the diagonal
        double[] low = random(r, t * t);
        for (int i = 0; i < t; i++) {
          for (int p = i + 1; p < t; p++) {
            low[OFF + i * t + p] = 0;
          }
        }
        double[] b = random(r, t * k);
        double[] c = random(r, t * k);
        double[] want = c.clone();
        Blas.gemm(low, OFF, b, OFF, want, OFF, t, t, k);
        double[] got = c.clone();
        Blas.gemmLowerA(low, OFF, b, OFF, got, OFF, t, t, k);
        assertClose(got, want, "lower A * B, t=" + t + " n=" + k);
        want = c.clone();
        Blas.gemmAT(low, OFF, b, OFF, want, OFF, t, t, k);
        got = c.clone();
        Blas.gemmATLowerA(low, OFF, b, OFF, got, OFF, t, t, k);
        assertClose(got, want, "lower A^T * B, t=" + t + " n=" + k);

        // scores on and below the diagonal only; entries above it untouched
        double[] q = random(r, t * k);
        double[] kt = random(r, k * t);
        double[] s = random(r, t * t);
        double[] full = s.clone();
        Blas.gemm(q, OFF, kt, OFF, full, OFF, t, k, t);
        double[] tri = s.clone();
        Blas.gemmLowerC(q, OFF, kt, OFF, tri, OFF, t, k);
        for (int i = 0; i < t; i++) {
          for (int j = 0; j < t; j++) {
            int at = OFF + i * t + j;
            assertThat(tri[at]).as("scores t=%d k=%d (%d,%d)", t, k, i, j).isCloseTo(j <= i ? full[at] : s[at], within(1e-12));
          }
        }
        assertThat(tri[OFF - 1]).isEqualTo(s[OFF - 1]);
        assertThat(tri[OFF + t * t]).isEqualTo(s[OFF + t * t]);
      }
    }
  }
}
