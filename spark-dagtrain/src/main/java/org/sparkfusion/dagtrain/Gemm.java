package org.sparkfusion.dagtrain;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dense products of the weight layers (linear, attention projections): OpenBLAS's {@code dgemm}, the library
 * the module already ships with ND4J, where it loads, else {@link Blas}'s plain-Java loops.
 *
 * <p>Why: measured on the CI machine kind (2 cores, one thread), OpenBLAS runs the projections of a width-384 GPT
 * at 52-55 GFLOP/s against 10-12 for the Java loops, and a 10M-parameter model is only worth pipelining when its
 * stages compute at that rate. The choice depends only on whether the library loads, never on shapes, so one
 * process and a pipeline (same platform, same OpenBLAS thread count) run the same kernel on the same operands and
 * stay bit-identical. OpenBLAS splits a product over rows and columns, never over the reduction, so its thread
 * count does not change a result either ({@code GemmTest} checks both).
 *
 * <p>The arrays go to OpenBLAS through JavaCPP's {@code double[]} binding (pinned or copied for the call), which
 * costs O(m k + k n + m n) against the product's O(m k n).
 */
final class Gemm {
  private static final Logger LOG = LoggerFactory.getLogger(Gemm.class);
  private static final boolean NATIVE = load();

  private Gemm() {}

  /** Whether the products run in OpenBLAS (else in {@link Blas}). */
  static boolean isNative() {
    return NATIVE;
  }

  private static boolean load() {
    try {
      Loader.load(openblas_nolapack.class);
      return true;
    } catch (Throwable e) { // UnsatisfiedLinkError, NoClassDefFoundError: a platform without the native library
      LOG.warn("OpenBLAS did not load ({}); dagtrain's dense products run in plain Java, about 5x slower", e.toString());
      return false;
    }
  }

  /** C[m,n] += A[m,k] * B[k,n], all arrays starting at 0. */
  static void nn(double[] a, double[] b, double[] c, int m, int k, int n) {
    if (!dgemm(false, false, a, k, b, n, c, m, n, k)) {
      Blas.gemm(a, 0, b, 0, c, 0, m, k, n);
    }
  }

  /** C[k,n] += A[m,k]^T * B[m,n], all arrays starting at 0. */
  static void tn(double[] a, double[] b, double[] c, int m, int k, int n) {
    if (!dgemm(true, false, a, k, b, n, c, k, n, m)) {
      Blas.gemmAT(a, 0, b, 0, c, 0, m, k, n);
    }
  }

  /** C[m,n] += A[m,k] * B[n,k]^T, all arrays starting at 0. */
  static void nt(double[] a, double[] b, double[] c, int m, int k, int n) {
    if (!dgemm(false, true, a, k, b, k, c, m, n, k)) {
      Blas.gemmBT(a, 0, b, 0, c, 0, m, k, n);
    }
  }

  /** Row-major C[rows,cols] += op(A) op(B) over a reduction of {@code depth} in OpenBLAS; false if it is not loaded. */
  private static boolean dgemm(boolean transA, boolean transB, double[] a, int lda, double[] b, int ldb, double[] c,
      int rows, int cols, int depth) {
    if (!NATIVE) {
      return false;
    }
    if (rows > 0 && cols > 0 && depth > 0) {
      openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor,
          transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
          transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, rows, cols, depth, 1.0, a, lda, b, ldb,
          1.0, c, cols);
    }
    return true;
  }
}
