package org.sparkfusion.fusefl.core;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Frees detached ND4J arrays at once (their off-heap buffers otherwise wait for the garbage collector). */
final class Arrays2 {
  private Arrays2() {}

  /** Closes every array that may be closed (detached, not a view); skips nulls, views and workspace arrays. */
  static void close(INDArray... arrays) {
    for (INDArray a : arrays) {
      if (a != null && !a.wasClosed() && a.closeable()) {
        a.close();
      }
    }
  }
}
