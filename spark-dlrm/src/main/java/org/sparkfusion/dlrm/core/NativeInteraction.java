package org.sparkfusion.dlrm.core;

import org.sparkfusion.common.nativelib.NativeLibraries;

/**
 * JNI binding of the bundled C dot interaction ({@code src/main/c/cpu_interact.c}, in the pooling kernel's
 * library): 16 rows at a time (AVX-512; 8 with AVX2), one per vector lane, bit-identical to
 * {@link DlrmNetwork}'s Java loop (same multiply-then-add order per dot product, no fused multiply-add). On the
 * benchmark model (26 tables of dim 16) it took 1.7 ms per 2048 rows where the Java loop took 14 ms or more
 * ({@code interact_test bench}). {@code -Dsparkfusion.dlrm.javaInteraction=true} keeps the Java loop.
 */
final class NativeInteraction {
  private static final String UNAVAILABLE;

  static {
    String why = null;
    if (Boolean.getBoolean("sparkfusion.dlrm.javaInteraction")) {
      why = "-Dsparkfusion.dlrm.javaInteraction=true";
    } else {
      try {
        NativeLibraries.load("sparkfusion_dlrm_cpu");
        isa();
      } catch (UnsatisfiedLinkError e) {
        why = e.getMessage();
      }
    }
    UNAVAILABLE = why;
  }

  private NativeInteraction() {}

  /** Null when the native kernel is used, else why not. */
  static String unavailableReason() {
    return UNAVAILABLE;
  }

  /** "avx512", "avx2" or "generic". */
  static native String isa();

  /**
   * Writes, for each of {@code n} rows, x's {@code d} values then the dot products of the {@code t + 1} vectors
   * (x's row, then each table's pooled vector) for every pair j < i (and j == i with {@code self}) into {@code r}.
   *
   * @return 0 when computed, -1 when a size does not fit its array (nothing written)
   */
  static native int dot(int n, int t, int d, boolean self, float[] x, float[] pooled, float[] r);
}
