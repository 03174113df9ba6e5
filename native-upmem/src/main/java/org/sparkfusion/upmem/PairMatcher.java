package org.sparkfusion.upmem;

/** Replaces co-occurring cached pairs inside one bag by their partial sum (greedy, left to right). */
final class PairMatcher {
  private PairMatcher() {}

  static final int[] NONE = new int[0];

  /**
   * Sets both rows of every matched pair to -1 in {@code rows} and returns the matched pairs' smaller rows;
   * rows without a partner in the bag stay.
   */
  static int[] match(int[] rows, IntIntMap partner) {
    if (partner.isEmpty() || rows.length < 2) {
      return NONE;
    }
    int[] keys = null;
    int n = 0;
    for (int i = 0; i < rows.length; i++) {
      int a = rows[i];
      if (a < 0) {
        continue;
      }
      int p = partner.get(a, -1);
      if (p < 0) {
        continue;
      }
      for (int j = i + 1; j < rows.length; j++) {
        if (rows[j] == p) {
          rows[i] = -1;
          rows[j] = -1;
          if (keys == null) {
            keys = new int[rows.length / 2];
          }
          keys[n++] = Math.min(a, p);
          break;
        }
      }
    }
    return keys == null ? NONE : java.util.Arrays.copyOf(keys, n);
  }
}
