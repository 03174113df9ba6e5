package org.sparkfusion.dlrm.embedding;

import org.sparkfusion.common.nativelib.NativeLibraries;

/**
 * JNI binding of the bundled C pooling kernel ({@code src/main/c/cpu_pool.c}): software-prefetched sum pooling over
 * the model's heap arrays, bit-identical to the Java loops. Loaded once per JVM; if it cannot load (another
 * platform, a missing build) {@link #unavailableReason()} says why and the Java paths are used.
 */
final class NativePooling {
  private static final String LIBRARY = "sparkfusion_dlrm_cpu";
  private static final String KERNEL;
  private static final String UNAVAILABLE;

  static {
    String kernel = null;
    String why = null;
    try {
      NativeLibraries.load(LIBRARY);
      kernel = isa();
    } catch (UnsatisfiedLinkError e) {
      why = e.getMessage();
    }
    KERNEL = kernel;
    UNAVAILABLE = why;
  }

  private NativePooling() {}

  /** Null when the kernel is loaded, else the reason it is not. */
  static String unavailableReason() {
    return UNAVAILABLE;
  }

  /** Instruction set of the loaded kernel ("avx2" or "generic"); null if not loaded. */
  static String kernel() {
    return KERNEL;
  }

  private static native String isa();

  /** Byte offset of {@code a[0]} within its 64-byte cache line, where the collector has placed the array now. */
  static native int lineOffset(float[] a);

  /**
   * Pools bags [0, numBags) of one table of {@code rows} rows (row-major, row 0 at {@code w[first]}, {@code dim}
   * floats per row) into {@code out[b*stride + base ..]}. The C side checks everything against the arrays' real
   * lengths before reading anything (see {@code pool_check} in cpu_pool.c) and pools nothing when a check fails.
   *
   * @return 0 when pooled; {@code k + 1} when {@code idx[k]} is outside [0, rows); -1 when the table does not fit
   *     {@code w}, the offsets are not non-decreasing within {@code idx}, or an output row falls outside {@code out}
   */
  static native long poolTable(float[] w, int first, long rows, int dim, int[] idx, int[] off, int numBags,
      float[] out, int stride, int base);
}
