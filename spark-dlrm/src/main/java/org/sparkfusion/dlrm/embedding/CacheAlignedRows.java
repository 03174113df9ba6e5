package org.sparkfusion.dlrm.embedding;

/**
 * Storage for a table's row-major values in a float array whose row 0 starts on a 64-byte cache line, as far as the
 * JVM lets Java know: the array is allocated with up to 15 floats of slack, the bundled native library reports
 * where its element 0 lies, and the values live {@link #base()} floats in. Checkpoint readers allocate tensors this
 * way, so a table is never held twice. A Java {@code float[]}'s data
 * otherwise starts 16 bytes into a line, so a 256-byte row spans five lines instead of four and half of its
 * 32-byte loads straddle two (measured: ~20-40% slower gathers from tables larger than the caches).
 *
 * <p>G1, the JVM's default collector, never moves arrays larger than half a heap region (large tables), so the
 * alignment holds; a smaller array may be moved, after which it is merely unaligned, never wrong, which is why a
 * loaded model keeps its smaller tables together in one such array ({@link PinnedTables}). Without the native
 * library the storage is a plain array ({@code base() == 0}).
 *
 * @param array the values, from index {@code base}
 * @param base index of the first value in {@code array}
 */
public record CacheAlignedRows(float[] array, int base) {
  static final int LINE = 64;

  /**
   * Storage for {@code n} values with row 0 on a cache line: a zeroed array of {@code n} plus up to 15 floats, or
   * exactly {@code n} floats (base 0) when no alignment can be had (no native library, or no room for the slack
   * in one array).
   */
  public static CacheAlignedRows allocate(int n) {
    int slack = LINE / Float.BYTES - 1;
    if (NativePooling.unavailableReason() != null || n > Integer.MAX_VALUE - 8 - slack) {
      return new CacheAlignedRows(new float[n], 0);
    }
    float[] array = new float[n + slack];
    int offset = NativePooling.lineOffset(array);
    int base = offset < 0 || offset % Float.BYTES != 0 ? 0 : ((LINE - offset) % LINE) / Float.BYTES;
    return new CacheAlignedRows(array, base);
  }

  /** Whether row 0 lies at the start of a cache line now (false without the native library). */
  public boolean aligned() {
    return NativePooling.unavailableReason() == null && (NativePooling.lineOffset(array) + base * Float.BYTES) % LINE == 0;
  }
}
