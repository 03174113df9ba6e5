package org.sparkfusion.upmem;

/**
 * Maps a batch's (table, row) lookups to (DPU, local row) under a {@link Placement}: cached pairs inside a bag
 * become one lookup of their partial sum, replicated hot rows go round-robin to their copies, and every bag
 * becomes one DPU bag per DPU (and column group) it touches. Not thread-safe (callers hold the backend's lock).
 */
final class Router {
  private final Placement p;
  private final int[] stamp;
  private final int[] touched;
  private int clock;

  Router(Placement placement) {
    this.p = placement;
    this.stamp = new int[placement.nrDpus];
    this.touched = new int[placement.nrDpus];
  }

  DpuBatch route(Batch batch) {
    int tables = p.shapes.numTables();
    if (batch.numTables() != tables) {
      throw new IllegalArgumentException("batch has " + batch.numTables() + " tables, the placement " + tables);
    }
    int dim = p.shapes.dim;
    DpuBatch out = new DpuBatch(p.nrDpus);
    int[] scratch = new int[16];
    for (int t = 0; t < tables; t++) {
      int[] ids = batch.indices[t];
      int[] off = batch.offsets[t];
      boolean cached = !p.pairs[t].isEmpty() || !p.hotRows[t].isEmpty();
      for (int b = 0; b < batch.numBags; b++) {
        int s = off[b];
        int e = off[b + 1];
        if (s == e) {
          continue;
        }
        out.originalLookups += e - s;
        long[] pairKeys = PairMatcherKeys.NONE;
        int[] rows = ids;
        int rs = s;
        int re = e;
        if (!p.pairs[t].isEmpty()) {
          if (scratch.length < e - s) {
            scratch = new int[Integer.highestOneBit(e - s) * 2];
          }
          rows = java.util.Arrays.copyOfRange(ids, s, e);
          rs = 0;
          re = e - s;
          pairKeys = PairMatcher.match(rows, p.partner[t]);
        }
        for (int g = 0; g < p.groups(); g++) {
          int now = ++clock;
          int nt = 0;
          long base = (long) b * tables * dim + (long) t * dim + p.groupStart[g];
          for (long key : pairKeys) {
            CacheEntry entry = p.pairs[t].get(key);
            int c = entry.nextCopy();
            nt = emit(out, entry.dpus[c], entry.locals[c], now, nt, base);
            out.cacheServed[entry.dpus[c]] += 2;
          }
          for (int k = rs; k < re; k++) {
            int r = rows[k];
            if (r < 0) {
              continue;
            }
            int d = p.dpuOf[t][g][r];
            int local;
            if (cached && d < 0) {
              CacheEntry entry = p.hotRows[t].get(r);
              int c = entry.nextCopy();
              d = entry.dpus[c];
              local = entry.locals[c];
              out.cacheServed[d]++;
            } else {
              local = p.localOf[t][g][r];
            }
            nt = emit(out, d, local, now, nt, base);
          }
          for (int i = 0; i < nt; i++) {
            out.closeBag(touched[i]);
          }
        }
      }
    }
    return out;
  }

  private int emit(DpuBatch out, int d, int local, int now, int nt, long base) {
    if (stamp[d] != now) {
      stamp[d] = now;
      touched[nt++] = d;
      out.openBag(d, base);
    }
    out.addRow(d, local);
    return nt;
  }

  /** Holder for the empty key array. */
  private static final class PairMatcherKeys {
    static final long[] NONE = new long[0];
  }
}
