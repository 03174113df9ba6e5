package org.sparkfusion.upmem;

import java.util.Arrays;

/** Growable int array. */
final class IntList {
  int[] a = new int[16];
  int n;

  void add(int v) {
    if (n == a.length) {
      a = Arrays.copyOf(a, n * 2);
    }
    a[n++] = v;
  }

  void clear() {
    n = 0;
  }
}
