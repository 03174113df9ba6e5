package org.sparkfusion.dlrm.core;

/**
 * Row-batch affine map y[n x out] = x[n x in] * W[in x out] + b: the bundled native kernel on CPUs with AVX-512
 * ({@link NativeGemm}), else the Vector API kernel when the JVM has {@code jdk.incubator.vector} (Spark's launcher
 * adds it), else plain loops the JIT auto-vectorizes. The native and Vector API kernels give identical bits.
 */
final class Gemm {
  static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
      && !Boolean.getBoolean("sparkfusion.dlrm.scalarGemm");

  private Gemm() {}

  static final boolean NATIVE = NativeGemm.unavailableReason() == null;

  /** The kernel in use: "native-avx512", "vector-api" or "scalar". */
  static String kernel() {
    return NATIVE ? "native-" + NativeGemm.kernel() : VECTOR_API ? "vector-api" : "scalar";
  }

  static void affine(int n, int in, int out, float[] x, float[] w, float[] b, float[] y) {
    if (NATIVE) {
      if (NativeGemm.affine(n, in, out, x, w, b, y) != 0) {
        throw new IllegalArgumentException("gemm: " + n + " x " + in + " x " + out + " does not fit its arrays (x "
            + x.length + ", w " + w.length + ", b " + b.length + ", y " + y.length + ")");
      }
    } else if (VECTOR_API) {
      VectorGemm.affine(n, in, out, x, w, b, y);
    } else {
      scalarAffine(n, in, out, x, w, b, y);
    }
  }

  static void scalarAffine(int n, int in, int out, float[] x, float[] w, float[] b, float[] y) {
    int r = 0;
    for (; r + 4 <= n; r += 4) {
      int y0 = r * out;
      int y1 = y0 + out;
      int y2 = y1 + out;
      int y3 = y2 + out;
      System.arraycopy(b, 0, y, y0, out);
      System.arraycopy(b, 0, y, y1, out);
      System.arraycopy(b, 0, y, y2, out);
      System.arraycopy(b, 0, y, y3, out);
      int x0 = r * in;
      for (int i = 0; i < in; i++) {
        float a0 = x[x0 + i];
        float a1 = x[x0 + in + i];
        float a2 = x[x0 + 2 * in + i];
        float a3 = x[x0 + 3 * in + i];
        int wi = i * out;
        for (int o = 0; o < out; o++) {
          float wv = w[wi + o];
          y[y0 + o] += a0 * wv;
          y[y1 + o] += a1 * wv;
          y[y2 + o] += a2 * wv;
          y[y3 + o] += a3 * wv;
        }
      }
    }
    for (; r < n; r++) {
      int y0 = r * out;
      System.arraycopy(b, 0, y, y0, out);
      int x0 = r * in;
      for (int i = 0; i < in; i++) {
        float a = x[x0 + i];
        if (a == 0f) {
          continue;
        }
        int wi = i * out;
        for (int o = 0; o < out; o++) {
          y[y0 + o] += a * w[wi + o];
        }
      }
    }
  }
}
