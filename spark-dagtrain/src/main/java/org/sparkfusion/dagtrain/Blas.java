package org.sparkfusion.dagtrain;

/** Plain-Java matrix products over row-major arrays (engine-agnostic, deterministic). */
final class Blas {
  private Blas() {}

  /** C[m,n] += A[m,k] * B[k,n]. */
  static void gemm(double[] a, int aOff, double[] b, int bOff, double[] c, int cOff, int m, int k, int n) {
    for (int i = 0; i < m; i++) {
      int ci = cOff + i * n;
      int ai = aOff + i * k;
      for (int p = 0; p < k; p++) {
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
    if (m >= 8) {
      // transpose B once, then the row-times-matrix form whose inner loop the JIT vectorises (a dot product's
      // floating-point reduction it cannot)
      double[] bt = new double[k * n];
      for (int j = 0; j < n; j++) {
        int bj = bOff + j * k;
        for (int p = 0; p < k; p++) {
          bt[p * n + j] = b[bj + p];
        }
      }
      gemm(a, aOff, bt, 0, c, cOff, m, k, n);
      return;
    }
    for (int i = 0; i < m; i++) {
      int ai = aOff + i * k;
      for (int j = 0; j < n; j++) {
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
    for (int i = 0; i < m; i++) {
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
