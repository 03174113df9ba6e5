package org.sparkfusion.dlrm.core;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register- and cache-blocked y = x W + b with the JDK Vector API: 6 rows x 2 vectors of outputs stay in
 * registers while the loop walks the inputs, so each weight vector loaded feeds 6 fused multiply-adds. Only loaded
 * when the JVM has the {@code jdk.incubator.vector} module (see {@link Gemm}).
 */
final class VectorGemm {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  private VectorGemm() {}

  /** Rows per block: a block's inputs (at most 64 x in floats) stay in L2 while every weight panel passes over it. */
  private static final int ROW_BLOCK = 96;

  /**
   * y = x W + b. Every output starts from its bias and accumulates the inputs in order with fused multiply-adds,
   * computed in blocks of 6 rows x 2 vectors (12 accumulators) over a weight panel of 2 vectors' width that stays
   * in L1, for row blocks that stay in L2 (1.3-1.5x over 4 x 2 blocks that swept all of W per 4 rows).
   */
  static void affine(int n, int in, int out, float[] x, float[] w, float[] b, float[] y) {
    int colsVec = out - out % L;
    for (int r0 = 0; r0 < n; r0 += ROW_BLOCK) {
      int r1 = Math.min(n, r0 + ROW_BLOCK);
      int c = 0;
      for (; c + 2 * L <= colsVec; c += 2 * L) {
        int r = r0;
        for (; r + 6 <= r1; r += 6) {
          six(in, out, x, w, b, y, r, c);
        }
        for (; r < r1; r++) {
          FloatVector a0 = FloatVector.fromArray(S, b, c);
          FloatVector a1 = FloatVector.fromArray(S, b, c + L);
          int xr = r * in;
          for (int i = 0; i < in; i++) {
            int wi = i * out + c;
            FloatVector v = FloatVector.broadcast(S, x[xr + i]);
            a0 = FloatVector.fromArray(S, w, wi).fma(v, a0);
            a1 = FloatVector.fromArray(S, w, wi + L).fma(v, a1);
          }
          a0.intoArray(y, r * out + c);
          a1.intoArray(y, r * out + c + L);
        }
      }
      for (; c < colsVec; c += L) {
        for (int r = r0; r < r1; r++) {
          FloatVector a = FloatVector.fromArray(S, b, c);
          int xr = r * in;
          for (int i = 0; i < in; i++) {
            a = FloatVector.fromArray(S, w, i * out + c).fma(FloatVector.broadcast(S, x[xr + i]), a);
          }
          a.intoArray(y, r * out + c);
        }
      }
      for (; c < out; c++) {
        for (int r = r0; r < r1; r++) {
          int xr = r * in;
          float s = b[c];
          for (int i = 0; i < in; i++) {
            s = Math.fma(x[xr + i], w[i * out + c], s);
          }
          y[r * out + c] = s;
        }
      }
    }
  }

  private static void six(int in, int out, float[] x, float[] w, float[] b, float[] y, int r, int c) {
    FloatVector bias0 = FloatVector.fromArray(S, b, c);
    FloatVector bias1 = FloatVector.fromArray(S, b, c + L);
    FloatVector a00 = bias0;
    FloatVector a01 = bias1;
    FloatVector a10 = bias0;
    FloatVector a11 = bias1;
    FloatVector a20 = bias0;
    FloatVector a21 = bias1;
    FloatVector a30 = bias0;
    FloatVector a31 = bias1;
    FloatVector a40 = bias0;
    FloatVector a41 = bias1;
    FloatVector a50 = bias0;
    FloatVector a51 = bias1;
    int x0 = r * in;
    for (int i = 0; i < in; i++) {
      int wi = i * out + c;
      FloatVector w0 = FloatVector.fromArray(S, w, wi);
      FloatVector w1 = FloatVector.fromArray(S, w, wi + L);
      FloatVector v = FloatVector.broadcast(S, x[x0 + i]);
      a00 = w0.fma(v, a00);
      a01 = w1.fma(v, a01);
      v = FloatVector.broadcast(S, x[x0 + in + i]);
      a10 = w0.fma(v, a10);
      a11 = w1.fma(v, a11);
      v = FloatVector.broadcast(S, x[x0 + 2 * in + i]);
      a20 = w0.fma(v, a20);
      a21 = w1.fma(v, a21);
      v = FloatVector.broadcast(S, x[x0 + 3 * in + i]);
      a30 = w0.fma(v, a30);
      a31 = w1.fma(v, a31);
      v = FloatVector.broadcast(S, x[x0 + 4 * in + i]);
      a40 = w0.fma(v, a40);
      a41 = w1.fma(v, a41);
      v = FloatVector.broadcast(S, x[x0 + 5 * in + i]);
      a50 = w0.fma(v, a50);
      a51 = w1.fma(v, a51);
    }
    int y0 = r * out + c;
    a00.intoArray(y, y0);
    a01.intoArray(y, y0 + L);
    a10.intoArray(y, y0 + out);
    a11.intoArray(y, y0 + out + L);
    a20.intoArray(y, y0 + 2 * out);
    a21.intoArray(y, y0 + 2 * out + L);
    a30.intoArray(y, y0 + 3 * out);
    a31.intoArray(y, y0 + 3 * out + L);
    a40.intoArray(y, y0 + 4 * out);
    a41.intoArray(y, y0 + 4 * out + L);
    a50.intoArray(y, y0 + 5 * out);
    a51.intoArray(y, y0 + 5 * out + L);
  }
}
