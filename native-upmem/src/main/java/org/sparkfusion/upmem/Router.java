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
  /** [table][group][row] → (dpu << 32 | local), one memory access per lookup; null for tiles (arithmetic). */
  private final long[][][] packed;
  /** Row reads routed to each DPU so far, over every batch this router has seen. */
  private final long[] load;
  /** Copies compared per replicated lookup (the next ones in the entry's round-robin order). */
  static final int CHOICES = 4;

  Router(Placement placement) {
    this.p = placement.entries == null ? placement.freeze() : placement;
    this.stamp = new int[placement.nrDpus];
    this.touched = new int[placement.nrDpus];
    this.packed = placement.tableBase != null ? null : placement.packedSlots();
    this.load = new long[placement.nrDpus];
  }

  private int choose(CacheEntry entry) {
    int n = entry.dpus.length;
    int c = entry.nextCopy();
    int best = c;
    for (int i = 1, k = Math.min(n, CHOICES); i < k; i++) {
      int cc = c + i < n ? c + i : c + i - n;
      if (load[entry.dpus[cc]] < load[entry.dpus[best]]) {
        best = cc;
      }
    }
    return best;
  }

  DpuBatch route(Batch batch) {
    int tables = p.shapes.numTables();
    if (batch.numTables() != tables) {
      throw new IllegalArgumentException("batch has " + batch.numTables() + " tables, the placement " + tables);
    }
    int dim = p.shapes.dim;
    DpuBatch out = new DpuBatch(p.nrDpus);
    long[] served = p.strategy == Strategy.CACHE_AWARE ? out.cacheServed : out.replicaServed;
    int[] rows = new int[16];
    for (int t = 0; t < tables; t++) {
      int[] ids = batch.indices[t];
      int[] off = batch.offsets[t];
      IntIntMap partner = p.partnerOf[t];
      IntIntMap pairEntry = p.pairEntryOf[t];
      IntIntMap hotEntry = p.hotEntryOf[t];
      for (int b = 0; b < batch.numBags; b++) {
        int s = off[b];
        int e = off[b + 1];
        if (s == e) {
          continue;
        }
        out.originalLookups += e - s;
        int[] pairKeys = PairMatcher.NONE;
        int[] bagRows = ids;
        int rs = s;
        int re = e;
        if (!partner.isEmpty()) {
          if (rows.length != e - s) {
            rows = new int[e - s];
          }
          System.arraycopy(ids, s, rows, 0, e - s);
          bagRows = rows;
          rs = 0;
          re = e - s;
          pairKeys = PairMatcher.match(rows, partner);
        }
        for (int g = 0; g < p.groups(); g++) {
          int now = ++clock;
          int nt = 0;
          long base = (long) b * tables * dim + (long) t * dim + p.groupStart[g];
          for (int key : pairKeys) {
            CacheEntry entry = p.entries[pairEntry.get(key, -1)];
            int c = choose(entry);
            nt = emit(out, entry.dpus[c], entry.locals[c], now, nt, base);
            served[entry.dpus[c]] += 2;
          }
          for (int k = rs; k < re; k++) {
            int r = bagRows[k];
            if (r < 0) {
              continue;
            }
            int d;
            int local;
            if (packed == null) {
              long global = p.tableBase[t] + r;
              d = p.tileFirstDpu[g] + (int) (global / p.tileChunk[g]);
              local = (int) (global % p.tileChunk[g]);
            } else {
              long slot = packed[t][g][r];
              d = (int) (slot >> 32);
              local = (int) slot;
            }
            if (d < 0) {
              CacheEntry entry = p.entries[hotEntry.get(r, -1)];
              int c = choose(entry);
              d = entry.dpus[c];
              local = entry.locals[c];
              served[d]++;
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
    load[d]++;
    return nt;
  }
}
