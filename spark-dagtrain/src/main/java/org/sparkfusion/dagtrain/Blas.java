package org.sparkfusion.dagtrain;

/**
 * Plain-Java matrix products over row-major arrays (engine-agnostic, deterministic).
 *
 * <p>The inner loops run over unit strides of C and B so HotSpot's superword pass vectorises them, and they use
 * {@link Math#fma}, which C2 turns into vector FMA instructions (x86 with FMA3, AArch64). Each element of C is
 * updated by a chain of fused multiply-adds over the reduction index in increasing order, so a result depends only
 * on the inputs, never on threads or blocking. Register tiling: every load of B serves two rows of C (and every
 * load of C four terms), which halves the loads per FMA compared with one row at a time.
 */
final class Blas {
  private Blas() {}

  /** C[m,n] += A[m,k] * B[k,n]. */
  static void gemm(double[] a, int aOff, double[] b, int bOff, double[] c, int cOff, int m, int k, int n) {
    int i = 0;
    for (; i + 1 < m; i += 2) {
      int c0 = cOff + i * n;
      int c1 = c0 + n;
      int x0 = aOff + i * k;
      int x1 = x0 + k;
      int p = 0;
      for (; p + 3 < k; p += 4) {
        double a00 = a[x0 + p];
        double a01 = a[x0 + p + 1];
        double a02 = a[x0 + p + 2];
        double a03 = a[x0 + p + 3];
        double a10 = a[x1 + p];
        double a11 = a[x1 + p + 1];
        double a12 = a[x1 + p + 2];
        double a13 = a[x1 + p + 3];
        int b0 = bOff + p * n;
        int b1 = b0 + n;
        int b2 = b1 + n;
        int b3 = b2 + n;
        for (int j = 0; j < n; j++) {
          double v0 = b[b0 + j];
          double v1 = b[b1 + j];
          double v2 = b[b2 + j];
          double v3 = b[b3 + j];
          c[c0 + j] = Math.fma(a03, v3, Math.fma(a02, v2, Math.fma(a01, v1, Math.fma(a00, v0, c[c0 + j]))));
          c[c1 + j] = Math.fma(a13, v3, Math.fma(a12, v2, Math.fma(a11, v1, Math.fma(a10, v0, c[c1 + j]))));
        }
      }
      for (; p < k; p++) {
        double u0 = a[x0 + p];
        double u1 = a[x1 + p];
        int bp = bOff + p * n;
        for (int j = 0; j < n; j++) {
          double v = b[bp + j];
          c[c0 + j] = Math.fma(u0, v, c[c0 + j]);
          c[c1 + j] = Math.fma(u1, v, c[c1 + j]);
        }
      }
    }
    if (i < m) {
      int ci = cOff + i * n;
      int ai = aOff + i * k;
      for (int p = 0; p < k; p++) {
        double u = a[ai + p];
        int bp = bOff + p * n;
        for (int j = 0; j < n; j++) {
          c[ci + j] = Math.fma(u, b[bp + j], c[ci + j]);
        }
      }
    }
  }

  /**
   * C[m,n] += A[m,k] * B[k,n] for a lower-triangular A (A[i,p] = 0 for p &gt; i, as causal attention weights are):
   * row i reads only p &lt;= i (rows go in pairs, so the first of a pair also reads its zero at p = i + 1).
   */
  static void gemmLowerA(double[] a, int aOff, double[] b, int bOff, double[] c, int cOff, int m, int k, int n) {
    int i = 0;
    for (; i + 1 < m; i += 2) {
      int c0 = cOff + i * n;
      int c1 = c0 + n;
      int x0 = aOff + i * k;
      int x1 = x0 + k;
      int kEnd = Math.min(k, i + 2);
      int p = 0;
      for (; p + 3 < kEnd; p += 4) {
        double a00 = a[x0 + p];
        double a01 = a[x0 + p + 1];
        double a02 = a[x0 + p + 2];
        double a03 = a[x0 + p + 3];
        double a10 = a[x1 + p];
        double a11 = a[x1 + p + 1];
        double a12 = a[x1 + p + 2];
        double a13 = a[x1 + p + 3];
        int b0 = bOff + p * n;
        int b1 = b0 + n;
        int b2 = b1 + n;
        int b3 = b2 + n;
        for (int j = 0; j < n; j++) {
          double v0 = b[b0 + j];
          double v1 = b[b1 + j];
          double v2 = b[b2 + j];
          double v3 = b[b3 + j];
          c[c0 + j] = Math.fma(a03, v3, Math.fma(a02, v2, Math.fma(a01, v1, Math.fma(a00, v0, c[c0 + j]))));
          c[c1 + j] = Math.fma(a13, v3, Math.fma(a12, v2, Math.fma(a11, v1, Math.fma(a10, v0, c[c1 + j]))));
        }
      }
      for (; p < kEnd; p++) {
        double u0 = a[x0 + p];
        double u1 = a[x1 + p];
        int bp = bOff + p * n;
        for (int j = 0; j < n; j++) {
          double v = b[bp + j];
          c[c0 + j] = Math.fma(u0, v, c[c0 + j]);
          c[c1 + j] = Math.fma(u1, v, c[c1 + j]);
        }
      }
    }
    if (i < m) {
      int ci = cOff + i * n;
      int ai = aOff + i * k;
      int kEnd = Math.min(k, i + 1);
      for (int p = 0; p < kEnd; p++) {
        double u = a[ai + p];
        int bp = bOff + p * n;
        for (int j = 0; j < n; j++) {
          c[ci + j] = Math.fma(u, b[bp + j], c[ci + j]);
        }
      }
    }
  }

  /**
   * C[m,n] += A[m,k] * B[n,k]^T. B is small here (a weight matrix), so it is transposed once into a [k,n] copy and
   * the product runs through {@link #gemm}'s vectorised loops instead of as dot products (which do not vectorise).
   */
  static void gemmBT(double[] a, int aOff, double[] b, int bOff, double[] c, int cOff, int m, int k, int n) {
    double[] bt = new double[k * n];
    for (int j = 0; j < n; j++) {
      int bj = bOff + j * k;
      for (int p = 0; p < k; p++) {
        bt[p * n + j] = b[bj + p];
      }
    }
    gemm(a, aOff, bt, 0, c, cOff, m, k, n);
  }

  /** C[k,n] += A[m,k]^T * B[m,n]. */
  static void gemmAT(double[] a, int aOff, double[] b, int bOff, double[] c, int cOff, int m, int k, int n) {
    gemmAT(a, aOff, b, bOff, c, cOff, m, k, n, false);
  }

  /** C[k,n] += A[m,k]^T * B[m,n] for a lower-triangular A (A[i,p] = 0 for p &gt; i): row i reads only p &lt;= i + 3. */
  static void gemmATLowerA(double[] a, int aOff, double[] b, int bOff, double[] c, int cOff, int m, int k, int n) {
    gemmAT(a, aOff, b, bOff, c, cOff, m, k, n, true);
  }

  private static void gemmAT(double[] a, int aOff, double[] b, int bOff, double[] c, int cOff, int m, int k, int n,
      boolean lowerA) {
    int i = 0;
    // four rows of A and B per pass, two rows of C per inner loop: each load of B serves both rows of C
    for (; i + 3 < m; i += 4) {
      int a0 = aOff + i * k;
      int a1 = a0 + k;
      int a2 = a1 + k;
      int a3 = a2 + k;
      int b0 = bOff + i * n;
      int b1 = b0 + n;
      int b2 = b1 + n;
      int b3 = b2 + n;
      int kEnd = lowerA ? Math.min(k, i + 4) : k;
      int p = 0;
      for (; p + 1 < kEnd; p += 2) {
        double v00 = a[a0 + p];
        double v10 = a[a1 + p];
        double v20 = a[a2 + p];
        double v30 = a[a3 + p];
        double v01 = a[a0 + p + 1];
        double v11 = a[a1 + p + 1];
        double v21 = a[a2 + p + 1];
        double v31 = a[a3 + p + 1];
        int c0 = cOff + p * n;
        int c1 = c0 + n;
        for (int j = 0; j < n; j++) {
          double w0 = b[b0 + j];
          double w1 = b[b1 + j];
          double w2 = b[b2 + j];
          double w3 = b[b3 + j];
          c[c0 + j] = Math.fma(v30, w3, Math.fma(v20, w2, Math.fma(v10, w1, Math.fma(v00, w0, c[c0 + j]))));
          c[c1 + j] = Math.fma(v31, w3, Math.fma(v21, w2, Math.fma(v11, w1, Math.fma(v01, w0, c[c1 + j]))));
        }
      }
      if (p < kEnd) {
        double v0 = a[a0 + p];
        double v1 = a[a1 + p];
        double v2 = a[a2 + p];
        double v3 = a[a3 + p];
        int cp = cOff + p * n;
        for (int j = 0; j < n; j++) {
          c[cp + j] = Math.fma(v3, b[b3 + j], Math.fma(v2, b[b2 + j], Math.fma(v1, b[b1 + j], Math.fma(v0, b[b0 + j], c[cp + j]))));
        }
      }
    }
    for (; i < m; i++) {
      int ai = aOff + i * k;
      int bi = bOff + i * n;
      int kEnd = lowerA ? Math.min(k, i + 1) : k;
      for (int p = 0; p < kEnd; p++) {
        double u = a[ai + p];
        int cp = cOff + p * n;
        for (int j = 0; j < n; j++) {
          c[cp + j] = Math.fma(u, b[bi + j], c[cp + j]);
        }
      }
    }
  }

  /**
   * C[i,j] += sum_p A[i,p] B[p,j] for j &lt;= i only (C[t,t], A[t,k], B[k,t]; causal attention scores): entries above
   * the diagonal are neither read nor written.
   */
  static void gemmLowerC(double[] a, int aOff, double[] b, int bOff, double[] c, int cOff, int t, int k) {
    int i = 0;
    for (; i + 1 < t; i += 2) {
      int c0 = cOff + i * t;
      int c1 = c0 + t;
      int x0 = aOff + i * k;
      int x1 = x0 + k;
      int jEnd = i + 1;
      int p = 0;
      for (; p + 3 < k; p += 4) {
        double a00 = a[x0 + p];
        double a01 = a[x0 + p + 1];
        double a02 = a[x0 + p + 2];
        double a03 = a[x0 + p + 3];
        double a10 = a[x1 + p];
        double a11 = a[x1 + p + 1];
        double a12 = a[x1 + p + 2];
        double a13 = a[x1 + p + 3];
        int b0 = bOff + p * t;
        int b1 = b0 + t;
        int b2 = b1 + t;
        int b3 = b2 + t;
        for (int j = 0; j < jEnd; j++) {
          double v0 = b[b0 + j];
          double v1 = b[b1 + j];
          double v2 = b[b2 + j];
          double v3 = b[b3 + j];
          c[c0 + j] = Math.fma(a03, v3, Math.fma(a02, v2, Math.fma(a01, v1, Math.fma(a00, v0, c[c0 + j]))));
          c[c1 + j] = Math.fma(a13, v3, Math.fma(a12, v2, Math.fma(a11, v1, Math.fma(a10, v0, c[c1 + j]))));
        }
      }
      for (; p < k; p++) {
        double u0 = a[x0 + p];
        double u1 = a[x1 + p];
        int bp = bOff + p * t;
        for (int j = 0; j < jEnd; j++) {
          double v = b[bp + j];
          c[c0 + j] = Math.fma(u0, v, c[c0 + j]);
          c[c1 + j] = Math.fma(u1, v, c[c1 + j]);
        }
      }
      // the second row's diagonal
      double s = c[c1 + jEnd];
      for (int q = 0; q < k; q++) {
        s = Math.fma(a[x1 + q], b[bOff + q * t + jEnd], s);
      }
      c[c1 + jEnd] = s;
    }
    if (i < t) {
      int ci = cOff + i * t;
      int ai = aOff + i * k;
      for (int p = 0; p < k; p++) {
        double u = a[ai + p];
        int bp = bOff + p * t;
        for (int j = 0; j <= i; j++) {
          c[ci + j] = Math.fma(u, b[bp + j], c[ci + j]);
        }
      }
    }
  }
}
