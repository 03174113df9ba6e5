package org.sparkfusion.upmem;

import java.util.Map;

/** Replaces co-occurring cached pairs inside one bag by their partial sum (greedy, left to right). */
final class PairMatcher {
  private PairMatcher() {}

  private static final long[] NONE = new long[0];

  /**
   * Sets both rows of every matched pair to -1 in {@code rows} and returns the matched pair keys
   * ({@link Placement#pairKey}); rows without a partner in the bag stay.
   */
  static long[] match(int[] rows, Map<Integer, Integer> partner) {
    if (partner.isEmpty() || rows.length < 2) {
      return NONE;
    }
    long[] keys = null;
    int n = 0;
    for (int i = 0; i < rows.length; i++) {
      int a = rows[i];
      if (a < 0) {
        continue;
      }
      Integer p = partner.get(a);
      if (p == null) {
        continue;
      }
      for (int j = i + 1; j < rows.length; j++) {
        if (rows[j] == p) {
          rows[i] = -1;
          rows[j] = -1;
          if (keys == null) {
            keys = new long[rows.length / 2];
          }
          keys[n++] = Placement.pairKey(a, p);
          break;
        }
      }
    }
    return keys == null ? NONE : java.util.Arrays.copyOf(keys, n);
  }
}
