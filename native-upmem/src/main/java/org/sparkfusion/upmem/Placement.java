package org.sparkfusion.upmem;

import java.util.HashMap;
import java.util.Map;

/**
 * Where every embedding row lives: per table, column group and row, a DPU and a local row in that DPU's shard;
 * plus the cache region (replicated hot rows and partial sums of co-occurring pairs). Built by {@link Partitioner}.
 */
final class Placement {
  final Strategy strategy;
  final TableShapes shapes;
  final int nrDpus;
  final int[] groupStart;
  final int[] groupWidth;
  /** Even row width in int32 words of each DPU's shard, and the real columns in it. */
  final int[] rowWords;
  final int[] cols;
  /** [table][group][row] → DPU and local row; -1 when the row lives only in the cache region. */
  final int[][][] dpuOf;
  final int[][][] localOf;
  final int[] regularRows;
  final int[] cacheRows;
  /** Per table: hot row → its copies, pair key (a << 32 | b, a < b) → the pair's copies, row → pair partner. */
  final Map<Integer, CacheEntry>[] hotRows;
  final Map<Long, CacheEntry>[] pairs;
  final Map<Integer, Integer>[] partner;

  @SuppressWarnings("unchecked")
  Placement(Strategy strategy, TableShapes shapes, int nrDpus, int[] groupStart, int[] groupWidth) {
    this.strategy = strategy;
    this.shapes = shapes;
    this.nrDpus = nrDpus;
    this.groupStart = groupStart;
    this.groupWidth = groupWidth;
    this.rowWords = new int[nrDpus];
    this.cols = new int[nrDpus];
    int t = shapes.numTables();
    this.dpuOf = new int[t][groupStart.length][];
    this.localOf = new int[t][groupStart.length][];
    for (int k = 0; k < t; k++) {
      for (int g = 0; g < groupStart.length; g++) {
        dpuOf[k][g] = new int[(int) shapes.rows[k]];
        localOf[k][g] = new int[(int) shapes.rows[k]];
      }
    }
    this.regularRows = new int[nrDpus];
    this.cacheRows = new int[nrDpus];
    this.hotRows = new Map[t];
    this.pairs = new Map[t];
    this.partner = new Map[t];
    for (int k = 0; k < t; k++) {
      hotRows[k] = new HashMap<>();
      pairs[k] = new HashMap<>();
      partner[k] = new HashMap<>();
    }
  }

  /** Tiles (uniform, column): row r of table t in group g is global row tableBase[t] + r of tile chunks. */
  long[] tableBase;
  int[] tileFirstDpu;
  long[] tileChunk;

  /** Routing view of the cache maps (built by {@link #freeze}): row → partner, pair's smaller row / hot row → entry. */
  IntIntMap[] partnerOf;
  IntIntMap[] pairEntryOf;
  IntIntMap[] hotEntryOf;
  CacheEntry[] entries;

  private long[][][] packed;

  /** [table][group][row] → (dpu << 32 | local): one memory access per routed lookup; built once, shared. */
  synchronized long[][][] packedSlots() {
    if (packed == null) {
      packed = new long[shapes.numTables()][groups()][];
      for (int t = 0; t < packed.length; t++) {
        for (int g = 0; g < groups(); g++) {
          int[] d = dpuOf[t][g];
          int[] l = localOf[t][g];
          long[] pk = new long[d.length];
          for (int r = 0; r < d.length; r++) {
            pk[r] = ((long) d[r] << 32) | (l[r] & 0xffffffffL);
          }
          packed[t][g] = pk;
        }
      }
    }
    return packed;
  }

  /** Builds the routing view once the cache maps are final. */
  Placement freeze() {
    int t = shapes.numTables();
    partnerOf = new IntIntMap[t];
    pairEntryOf = new IntIntMap[t];
    hotEntryOf = new IntIntMap[t];
    java.util.List<CacheEntry> all = new java.util.ArrayList<>();
    for (int k = 0; k < t; k++) {
      partnerOf[k] = new IntIntMap(2 * pairs[k].size());
      pairEntryOf[k] = new IntIntMap(pairs[k].size());
      hotEntryOf[k] = new IntIntMap(hotRows[k].size());
      for (CacheEntry e : pairs[k].values()) {
        partnerOf[k].put(e.rowA, e.rowB);
        partnerOf[k].put(e.rowB, e.rowA);
        pairEntryOf[k].put(Math.min(e.rowA, e.rowB), all.size());
        all.add(e);
      }
      for (CacheEntry e : hotRows[k].values()) {
        hotEntryOf[k].put(e.rowA, all.size());
        all.add(e);
      }
    }
    entries = all.toArray(new CacheEntry[0]);
    return this;
  }

  int groups() {
    return groupStart.length;
  }

  int rowsOn(int dpu) {
    return regularRows[dpu] + cacheRows[dpu];
  }

  long shardBytes(int dpu) {
    return (long) rowsOn(dpu) * rowWords[dpu] * 4;
  }

  static long pairKey(int a, int b) {
    return ((long) Math.min(a, b) << 32) | Math.max(a, b);
  }

  int cacheEntries() {
    int n = 0;
    for (int t = 0; t < hotRows.length; t++) {
      n += hotRows[t].size() + pairs[t].size();
    }
    return n;
  }
}
