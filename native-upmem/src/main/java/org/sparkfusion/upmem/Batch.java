package org.sparkfusion.upmem;

/** One batch of lookups in the {@code EmbeddingBackend.pool} layout: per table, concatenated ids and bag offsets. */
final class Batch {
  final int numBags;
  final int[][] indices;
  final int[][] offsets;

  Batch(int numBags, int[][] indices, int[][] offsets) {
    this.numBags = numBags;
    this.indices = indices;
    this.offsets = offsets;
  }

  int numTables() {
    return indices.length;
  }

  long lookups() {
    long n = 0;
    for (int[] off : offsets) {
      n += off[numBags] - off[0];
    }
    return n;
  }

  /** Bags [from, to) as a batch of their own (offsets rebased). */
  Batch slice(int from, int to) {
    int t = numTables();
    int[][] idx = new int[t][];
    int[][] off = new int[t][];
    for (int k = 0; k < t; k++) {
      int start = offsets[k][from];
      int end = offsets[k][to];
      idx[k] = java.util.Arrays.copyOfRange(indices[k], start, end);
      off[k] = new int[to - from + 1];
      for (int b = from; b <= to; b++) {
        off[k][b - from] = offsets[k][b] - start;
      }
    }
    return new Batch(to - from, idx, off);
  }
}
