package org.sparkfusion.dlrm.core;

import org.sparkfusion.common.nativelib.NativeLibraries;

/**
 * JNI binding of the bundled C GEMM ({@code src/main/c/cpu_gemm.c}, in the pooling kernel's library): y = x W + b
 * with 12 x 32 AVX-512 register blocks, bit-identical to {@link VectorGemm} (same in-order fused multiply-add chain
 * per output). Used only where the CPU has AVX-512: on this project's benchmark machine it ran the DLRM's MLP layers
 * 1.2-1.3x faster than PyTorch's MKL `nn.Linear` at batches 64 and 2048 and 3.8x at batch 1 (one thread each,
 * {@code gemm_test bench}), where the Vector API kernel reaches about half of that. Elsewhere, or with
 * {@code -Dsparkfusion.dlrm.javaGemm=true}, {@link Gemm} keeps the Java kernels; {@link #unavailableReason()} says why.
 */
final class NativeGemm {
  private static final String UNAVAILABLE;
  private static final String ISA;

  static {
    String why = null;
    String isa = null;
    if (Boolean.getBoolean("sparkfusion.dlrm.javaGemm")) {
      why = "-Dsparkfusion.dlrm.javaGemm=true";
    } else {
      try {
        NativeLibraries.load("sparkfusion_dlrm_cpu");
        isa = isa();
        if (!isa.equals("avx512")) {
          why = "the CPU has no AVX-512 (native kernel " + isa + " is not faster than the Vector API one)";
        }
      } catch (UnsatisfiedLinkError e) {
        why = e.getMessage();
      }
    }
    UNAVAILABLE = why;
    ISA = isa;
  }

  private NativeGemm() {}

  /** Null when the native kernel is used, else why not. */
  static String unavailableReason() {
    return UNAVAILABLE;
  }

  /** The native kernel's instruction set ("avx512", "avx2", "generic"), or null if the library did not load. */
  static String kernel() {
    return ISA;
  }

  private static native String isa();

  /**
   * y[n x out] = x[n x in] * w[in x out] + b. The C side checks every size against the arrays' lengths first.
   *
   * @return 0 when computed, -1 when a size does not fit its array (nothing written)
   */
  static native int affine(int n, int in, int out, float[] x, float[] w, float[] b, float[] y);
}
