package org.sparkfusion.dlrm.checkpoint;

import java.util.Arrays;

/**
 * Checked size arithmetic for shapes read from files. A shape is only accepted when every dim is in
 * [0, {@link #MAX_ELEMENTS}] and the product of the dims, computed with {@link Math#multiplyExact}, is at most
 * {@link #MAX_ELEMENTS}: a tensor is held in one Java array and indexed with int, so anything larger cannot be
 * addressed and must be refused instead of wrapped (a shape of 2^62+1 x 4 wraps to 4 elements in 64-bit
 * arithmetic).
 */
public final class Shapes {
  /** Most values one tensor may hold: one float[] with room for the cache-line slack. */
  public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 64;

  private Shapes() {}

  /**
   * Number of values of {@code shape}; fails naming {@code where} (file and tensor) when a dim is negative or the
   * count overflows or exceeds {@link #MAX_ELEMENTS}.
   */
  public static int elementCount(String where, long[] shape) {
    long n = 1;
    for (long s : shape) {
      if (s < 0) {
        throw new CheckpointFormatException(where + " has a negative dim in shape " + Arrays.toString(shape));
      }
      if (s > MAX_ELEMENTS) {
        throw new CheckpointFormatException(where + " has dim " + s + " in shape " + Arrays.toString(shape)
            + ", more than one tensor can hold (" + MAX_ELEMENTS + " values)");
      }
      try {
        n = Math.multiplyExact(n, s);
      } catch (ArithmeticException e) {
        n = Long.MAX_VALUE;
      }
    }
    // A zero dim makes the product 0 whatever the others are, and each dim is already bounded.
    if (n > MAX_ELEMENTS) {
      throw new CheckpointFormatException(where + " has shape " + Arrays.toString(shape) + " of more than "
          + MAX_ELEMENTS + " values (the element count overflows or exceeds what one tensor can hold)");
    }
    return (int) n;
  }
}
