package org.sparkfusion.dlrm.core;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked y = x W + b with the JDK Vector API: 4 rows x 2 vectors of outputs stay in registers while
 * the loop walks the inputs, so each weight vector loaded feeds 4 fused multiply-adds. Only loaded when the
 * JVM has the {@code jdk.incubator.vector} module (see {@link Gemm}).
 */
final class VectorGemm {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  private VectorGemm() {}

  static void affine(int n, int in, int out, float[] x, float[] w, float[] b, float[] y) {
    int colsVec = out - out % L;
    int r = 0;
    for (; r + 4 <= n; r += 4) {
      int x0 = r * in;
      int x1 = x0 + in;
      int x2 = x1 + in;
      int x3 = x2 + in;
      int c = 0;
      for (; c + 2 * L <= colsVec; c += 2 * L) {
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
        for (int i = 0; i < in; i++) {
          int wi = i * out + c;
          FloatVector w0 = FloatVector.fromArray(S, w, wi);
          FloatVector w1 = FloatVector.fromArray(S, w, wi + L);
          FloatVector v0 = FloatVector.broadcast(S, x[x0 + i]);
          FloatVector v1 = FloatVector.broadcast(S, x[x1 + i]);
          FloatVector v2 = FloatVector.broadcast(S, x[x2 + i]);
          FloatVector v3 = FloatVector.broadcast(S, x[x3 + i]);
          a00 = w0.fma(v0, a00);
          a01 = w1.fma(v0, a01);
          a10 = w0.fma(v1, a10);
          a11 = w1.fma(v1, a11);
          a20 = w0.fma(v2, a20);
          a21 = w1.fma(v2, a21);
          a30 = w0.fma(v3, a30);
          a31 = w1.fma(v3, a31);
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
      }
      for (; c < colsVec; c += L) {
        FloatVector a0 = FloatVector.fromArray(S, b, c);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int i = 0; i < in; i++) {
          FloatVector w0 = FloatVector.fromArray(S, w, i * out + c);
          a0 = w0.fma(FloatVector.broadcast(S, x[x0 + i]), a0);
          a1 = w0.fma(FloatVector.broadcast(S, x[x1 + i]), a1);
          a2 = w0.fma(FloatVector.broadcast(S, x[x2 + i]), a2);
          a3 = w0.fma(FloatVector.broadcast(S, x[x3 + i]), a3);
        }
        int y0 = r * out + c;
        a0.intoArray(y, y0);
        a1.intoArray(y, y0 + out);
        a2.intoArray(y, y0 + 2 * out);
        a3.intoArray(y, y0 + 3 * out);
      }
      for (; c < out; c++) {
        for (int k = 0; k < 4; k++) {
          int xr = x0 + k * in;
          float s = b[c];
          for (int i = 0; i < in; i++) {
            s = Math.fma(x[xr + i], w[i * out + c], s);
          }
          y[(r + k) * out + c] = s;
        }
      }
    }
    for (; r < n; r++) {
      int xr = r * in;
      int c = 0;
      for (; c < colsVec; c += L) {
        FloatVector a = FloatVector.fromArray(S, b, c);
        for (int i = 0; i < in; i++) {
          a = FloatVector.fromArray(S, w, i * out + c).fma(FloatVector.broadcast(S, x[xr + i]), a);
        }
        a.intoArray(y, r * out + c);
      }
      for (; c < out; c++) {
        float s = b[c];
        for (int i = 0; i < in; i++) {
          s = Math.fma(x[xr + i], w[i * out + c], s);
        }
        y[r * out + c] = s;
      }
    }
  }
}
