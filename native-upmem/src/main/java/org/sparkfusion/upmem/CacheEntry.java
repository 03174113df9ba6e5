package org.sparkfusion.upmem;

/** Copies of one cache-region item (a hot row or a pair's partial sum) on several DPUs, used round-robin. */
final class CacheEntry {
  final int table;
  final int rowA;
  /** Second row of a co-occurring pair, or -1 for a replicated hot row. */
  final int rowB;
  final int[] dpus;
  final int[] locals;
  private int next;

  CacheEntry(int table, int rowA, int rowB, int copies) {
    this.table = table;
    this.rowA = rowA;
    this.rowB = rowB;
    this.dpus = new int[copies];
    this.locals = new int[copies];
  }

  boolean isPair() {
    return rowB >= 0;
  }

  /** Original lookups one use of this entry serves. */
  int lookupsServed() {
    return isPair() ? 2 : 1;
  }

  /** The copy to use for the next lookup (round-robin spreads the item's load over its copies). */
  int nextCopy() {
    int c = next;
    next = (next + 1) % dpus.length;
    return c;
  }
}
