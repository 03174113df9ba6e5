package org.sparkfusion.dagtrain;

/** Plain-Java matrix products over row-major arrays (engine-agnostic, deterministic). */
final class Blas {
  private Blas() {}

  /** C[m,n] += A[m,k] * B[k,n]. */
  static void gemm(double[] a, int aOff, double[] b, int bOff, double[] c, int cOff, int m, int k, int n) {
    for (int i = 0; i < m; i++) {
      int ci = cOff + i * n;
      int ai = aOff + i * k;
      int p = 0;
      // four rows of B per pass over the row of C: a quarter of the loads and stores of C (the inner loop vectorises)
      for (; p + 3 < k; p += 4) {
        double a0 = a[ai + p];
        double a1 = a[ai + p + 1];
        double a2 = a[ai + p + 2];
        double a3 = a[ai + p + 3];
        int b0 = bOff + p * n;
        int b1 = b0 + n;
        int b2 = b1 + n;
        int b3 = b2 + n;
        for (int j = 0; j < n; j++) {
          c[ci + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
        }
      }
      for (; p < k; p++) {
        double av = a[ai + p];
        if (av == 0) {
          continue;
        }
        int bp = bOff + p * n;
        for (int j = 0; j < n; j++) {
          c[ci + j] += av * b[bp + j];
        }
      }
    }
  }

  /** C[m,n] += A[m,k] * B[n,k]^T. */
  static void gemmBT(double[] a, int aOff, double[] b, int bOff, double[] c, int cOff, int m, int k, int n) {
    for (int i = 0; i < m; i++) {
      int ai = aOff + i * k;
      int j = 0;
      // four dot products at once: independent sums, each row of A loaded once per four
      for (; j + 3 < n; j += 4) {
        int b0 = bOff + j * k;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        for (int p = 0; p < k; p++) {
          double av = a[ai + p];
          s0 += av * b[b0 + p];
          s1 += av * b[b0 + k + p];
          s2 += av * b[b0 + 2 * k + p];
          s3 += av * b[b0 + 3 * k + p];
        }
        int cj = cOff + i * n + j;
        c[cj] += s0;
        c[cj + 1] += s1;
        c[cj + 2] += s2;
        c[cj + 3] += s3;
      }
      for (; j < n; j++) {
        int bj = bOff + j * k;
        double s = 0;
        for (int p = 0; p < k; p++) {
          s += a[ai + p] * b[bj + p];
        }
        c[cOff + i * n + j] += s;
      }
    }
  }

  /** C[k,n] += A[m,k]^T * B[m,n]. */
  static void gemmAT(double[] a, int aOff, double[] b, int bOff, double[] c, int cOff, int m, int k, int n) {
    int i = 0;
    // four rows of A and B per pass over C (a quarter of C's loads and stores)
    for (; i + 3 < m; i += 4) {
      int a0 = aOff + i * k;
      int b0 = bOff + i * n;
      for (int p = 0; p < k; p++) {
        double v0 = a[a0 + p];
        double v1 = a[a0 + k + p];
        double v2 = a[a0 + 2 * k + p];
        double v3 = a[a0 + 3 * k + p];
        int cp = cOff + p * n;
        for (int j = 0; j < n; j++) {
          c[cp + j] += v0 * b[b0 + j] + v1 * b[b0 + n + j] + v2 * b[b0 + 2 * n + j] + v3 * b[b0 + 3 * n + j];
        }
      }
    }
    for (; i < m; i++) {
      int ai = aOff + i * k;
      int bi = bOff + i * n;
      for (int p = 0; p < k; p++) {
        double av = a[ai + p];
        if (av == 0) {
          continue;
        }
        int cp = cOff + p * n;
        for (int j = 0; j < n; j++) {
          c[cp + j] += av * b[bi + j];
        }
      }
    }
  }
}
