package org.sparkfusion.upmem;

/** Open-addressing map from non-negative int keys to int values (no boxing on the routing path). */
final class IntIntMap {
  private int[] keys;
  private int[] values;
  private int size;

  IntIntMap(int expected) {
    int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
    keys = new int[cap];
    values = new int[cap];
    java.util.Arrays.fill(keys, -1);
  }

  boolean isEmpty() {
    return size == 0;
  }

  private int slot(int key) {
    int mask = keys.length - 1;
    int i = (key * 0x9E3779B1) >>> 7 & mask;
    while (keys[i] != -1 && keys[i] != key) {
      i = (i + 1) & mask;
    }
    return i;
  }

  void put(int key, int value) {
    if ((size + 1) * 2 > keys.length) {
      int[] k = keys;
      int[] v = values;
      keys = new int[k.length * 2];
      values = new int[k.length * 2];
      java.util.Arrays.fill(keys, -1);
      size = 0;
      for (int i = 0; i < k.length; i++) {
        if (k[i] != -1) {
          put(k[i], v[i]);
        }
      }
    }
    int i = slot(key);
    if (keys[i] == -1) {
      size++;
      keys[i] = key;
    }
    values[i] = value;
  }

  /** The value of key, or missing. */
  int get(int key, int missing) {
    int i = slot(key);
    return keys[i] == -1 ? missing : values[i];
  }
}
