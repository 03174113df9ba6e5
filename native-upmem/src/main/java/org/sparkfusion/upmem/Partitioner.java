package org.sparkfusion.upmem;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Places embedding rows on DPUs (UpDLRM's partitioning, as we implement it; the paper's exact algorithm is not
 * public): uniform row tiles, column groups, workload-balanced placement by profiled access counts
 * (longest-processing-time-first), and cache-aware placement that adds a cache region of hot-row replicas and
 * co-occurring pair sums and balances cached and regular accesses together.
 */
final class Partitioner {
  /** Hot candidates per table considered for pair sums. */
  static final int PAIR_CANDIDATES = 256;
  /** Items heavier than fair share / this are replicated, in pieces of at most that load. */
  static final double PIECES_PER_FAIR_SHARE = 4;

  private final TableShapes shapes;
  private final int nrDpus;
  private final long budgetBytes;
  private final int cacheRowsPerDpu;
  private final int columnGroups;

  /**
   * @param budgetBytes MRAM bytes per DPU for table rows and cache (64 MB minus the per-batch reserve)
   */
  Partitioner(TableShapes shapes, int nrDpus, long budgetBytes, int cacheRowsPerDpu, int columnGroups) {
    if (nrDpus <= 0) {
      throw new IllegalArgumentException("need at least one DPU, got " + nrDpus);
    }
    this.shapes = shapes;
    this.nrDpus = nrDpus;
    this.budgetBytes = budgetBytes;
    this.cacheRowsPerDpu = cacheRowsPerDpu;
    this.columnGroups = columnGroups;
  }

  static int evenWords(int cols) {
    return (cols + 1) & ~1;
  }

  Placement place(Strategy strategy, AccessProfile profile) {
    if (strategy.needsProfile() && profile == null) {
      throw new IllegalArgumentException("strategy " + strategy.id + " needs an access profile");
    }
    checkTotalFits(strategy == Strategy.COLUMN ? Math.min(columnGroups, nrDpus) : 1);
    Placement p;
    switch (strategy) {
      case UNIFORM:
        p = single(strategy);
        tiles(p, 0, 0, nrDpus);
        break;
      case COLUMN:
        p = columns();
        break;
      case BALANCED:
        p = single(strategy);
        balanced(p, profile);
        break;
      default:
        p = single(strategy);
        cacheAware(p, profile);
        break;
    }
    checkShardsFit(p);
    return p.freeze();
  }

  private void checkTotalFits(int groups) {
    long words = (long) evenWords((shapes.dim + groups - 1) / groups) * groups;
    long need = shapes.totalRows() * words * 4;
    long have = budgetBytes * nrDpus;
    if (need > have) {
      throw new IllegalArgumentException(String.format(
          "embedding tables (%s) need %,d bytes of MRAM but %d DPUs hold %,d bytes (%,d per DPU after the batch "
              + "reserve, of 64 MB MRAM); use more DPUs or smaller tables", shapes, need, nrDpus, have, budgetBytes));
    }
  }

  private void checkShardsFit(Placement p) {
    for (int d = 0; d < nrDpus; d++) {
      if (p.shardBytes(d) > budgetBytes) {
        throw new IllegalArgumentException(String.format(
            "DPU %d would hold %,d rows x %d words = %,d bytes, over its MRAM budget of %,d bytes; use more DPUs",
            d, p.rowsOn(d), p.rowWords[d], p.shardBytes(d), budgetBytes));
      }
    }
  }

  private Placement single(Strategy strategy) {
    Placement p = new Placement(strategy, shapes, nrDpus, new int[] {0}, new int[] {shapes.dim});
    Arrays.fill(p.rowWords, evenWords(shapes.dim));
    Arrays.fill(p.cols, shapes.dim);
    return p;
  }

  /** Rows of column group g in equal contiguous tiles over DPUs [first, first + count). */
  private void tiles(Placement p, int g, int first, int count) {
    long total = shapes.totalRows();
    long chunk = (total + count - 1) / count;
    if (p.tableBase == null) {
      p.tableBase = new long[shapes.numTables()];
      p.tileFirstDpu = new int[p.groups()];
      p.tileChunk = new long[p.groups()];
      long base = 0;
      for (int t = 0; t < shapes.numTables(); t++) {
        p.tableBase[t] = base;
        base += shapes.rows[t];
      }
    }
    p.tileFirstDpu[g] = first;
    p.tileChunk[g] = chunk;
    long global = 0;
    for (int t = 0; t < shapes.numTables(); t++) {
      int[] dpu = p.dpuOf[t][g];
      int[] local = p.localOf[t][g];
      for (int r = 0; r < dpu.length; r++, global++) {
        int d = first + (int) (global / chunk);
        dpu[r] = d;
        local[r] = (int) (global % chunk);
        p.regularRows[d]++;
      }
    }
  }

  private Placement columns() {
    int groups = Math.min(Math.max(1, columnGroups), Math.min(nrDpus, shapes.dim));
    int width = evenWords((shapes.dim + groups - 1) / groups);
    groups = (shapes.dim + width - 1) / width;
    int[] start = new int[groups];
    int[] w = new int[groups];
    for (int g = 0; g < groups; g++) {
      start[g] = g * width;
      w[g] = Math.min(width, shapes.dim - start[g]);
    }
    Placement p = new Placement(Strategy.COLUMN, shapes, nrDpus, start, w);
    for (int g = 0; g < groups; g++) {
      int first = (int) ((long) g * nrDpus / groups);
      int last = (int) ((long) (g + 1) * nrDpus / groups);
      for (int d = first; d < last; d++) {
        p.rowWords[d] = evenWords(w[g]);
        p.cols[d] = w[g];
      }
      tiles(p, g, first, last - first);
    }
    return p;
  }

  private long maxRows(Placement p) {
    return budgetBytes / (4L * p.rowWords[0]);
  }

  /** Longest-processing-time-first over rows with profiled accesses, then never-seen rows spread evenly. */
  private void balanced(Placement p, AccessProfile profile) {
    long[] hot = hotRows(profile.counts.length, (t, r) -> profile.counts[t][r], t -> profile.counts[t].length,
        Map.of());
    balancedKeepingCached(p, hot, new double[nrDpus], (t, r) -> profile.counts[t][r], new int[nrDpus]);
  }

  interface RowWeight {
    double of(int table, int row);
  }

  /** (weight << 40 | table << 31 | row) of rows with weight > 0 that are not cached, ascending. */
  private static long[] hotRows(int tables, RowWeight weight, java.util.function.IntUnaryOperator rows,
      Map<Integer, Set<Integer>> cached) {
    long[] keys = new long[1024];
    int k = 0;
    for (int t = 0; t < tables; t++) {
      Set<Integer> c = cached.getOrDefault(t, Set.of());
      int n = rows.applyAsInt(t);
      for (int r = 0; r < n; r++) {
        double w = weight.of(t, r);
        if (w > 0 && !c.contains(r)) {
          if (k == keys.length) {
            keys = Arrays.copyOf(keys, keys.length * 2);
          }
          keys[k++] = ((long) Math.min(Math.ceil(w), (1 << 23) - 1) << 40) | ((long) t << 31) | r;
        }
      }
    }
    keys = Arrays.copyOf(keys, k);
    Arrays.sort(keys);
    return keys;
  }

  private int popWithRoom(LoadHeap heap, Placement p, long max) {
    while (!heap.isEmpty()) {
      int d = heap.pop();
      if (p.rowsOn(d) < max) {
        return d;
      }
    }
    throw new IllegalArgumentException("embedding rows do not fit the MRAM of " + nrDpus + " DPUs; use more DPUs");
  }

  private static void place(Placement p, int t, int r, int d) {
    p.dpuOf[t][0][r] = d;
    p.localOf[t][0][r] = p.regularRows[d]++;
  }

  // ------------------------------------------------------------------------------------------- cache-aware

  private void cacheAware(Placement p, AccessProfile profile) {
    long slots = (long) nrDpus * cacheRowsPerDpu;
    // 1. Co-occurring pairs among hot rows, matched greedily by support; up to half the cache.
    for (int t = 0; t < shapes.numTables(); t++) {
      minePairs(p, profile, t, slots / 2 / Math.max(1, shapes.numTables()));
    }
    // 2. Loads after pair substitution, replayed on the profile.
    IntIntMap[] partners = new IntIntMap[shapes.numTables()];
    for (int t = 0; t < shapes.numTables(); t++) {
      partners[t] = new IntIntMap(p.partner[t].size());
      for (Map.Entry<Integer, Integer> e : p.partner[t].entrySet()) {
        partners[t].put(e.getKey(), e.getValue());
      }
    }
    double[][] rowLoad = new double[shapes.numTables()][];
    Map<Long, double[]> pairLoad = new HashMap<>();
    for (int t = 0; t < shapes.numTables(); t++) {
      rowLoad[t] = new double[(int) shapes.rows[t]];
    }
    double total = 0;
    for (Batch b : profile.sample) {
      for (int t = 0; t < shapes.numTables(); t++) {
        for (int bag = 0; bag < b.numBags; bag++) {
          int s = b.offsets[t][bag];
          int e = b.offsets[t][bag + 1];
          int[] rows = Arrays.copyOfRange(b.indices[t], s, e);
          int[] used = PairMatcher.match(rows, partners[t]);
          for (int small : used) {
            long key = Placement.pairKey(small, p.partner[t].get(small));
            pairLoad.computeIfAbsent(((long) t << 58) ^ key, k -> new double[1])[0]++;
            total++;
          }
          for (int r : rows) {
            if (r >= 0) {
              rowLoad[t][r]++;
              total++;
            }
          }
        }
      }
    }
    // 3. Items heavier than half a DPU's fair share are replicated into the cache region of several DPUs.
    double fair = total / nrDpus;
    double piece = Math.max(fair / PIECES_PER_FAIR_SHARE, 1e-9);
    List<double[]> items = new ArrayList<>(); // {load, table, rowA, rowB}
    for (int t = 0; t < shapes.numTables(); t++) {
      for (Map.Entry<Long, CacheEntry> e : p.pairs[t].entrySet()) {
        double[] l = pairLoad.get(((long) t << 58) ^ e.getKey());
        items.add(new double[] {l == null ? 0 : l[0], t, e.getValue().rowA, e.getValue().rowB});
      }
      double[] rl = rowLoad[t];
      for (int r = 0; r < rl.length; r++) {
        if (rl[r] > piece) {
          items.add(new double[] {rl[r], t, r, -1});
        }
      }
    }
    items.sort((a, b) -> Double.compare(b[0], a[0]));
    long usedSlots = 0;
    Map<Integer, Set<Integer>> cached = new HashMap<>();
    List<double[]> pieces = new ArrayList<>(); // {pieceLoad, itemIndex, copies}
    List<CacheEntry> entries = new ArrayList<>();
    for (double[] it : items) {
      int t = (int) it[1];
      int a = (int) it[2];
      int b = (int) it[3];
      int copies = (int) Math.min(Math.min(nrDpus, cacheRowsPerDpu > 0 ? nrDpus : 0), Math.ceil(it[0] / piece));
      copies = Math.max(1, copies);
      if (usedSlots + copies > slots) {
        if (b >= 0) {
          p.pairs[t].remove(Placement.pairKey(a, b));
          p.partner[t].remove(a);
          p.partner[t].remove(b);
        }
        continue;
      }
      usedSlots += copies;
      CacheEntry entry = new CacheEntry(t, a, b, copies);
      if (b >= 0) {
        p.pairs[t].put(Placement.pairKey(a, b), entry);
      } else {
        p.hotRows[t].put(a, entry);
        cached.computeIfAbsent(t, k -> new HashSet<>()).add(a);
      }
      entries.add(entry);
      pieces.add(new double[] {it[0] / copies, entries.size() - 1, copies});
    }
    // 4. LPT over cache pieces (copies of one item on distinct DPUs) and regular hot rows together.
    double[] load = new double[nrDpus];
    LoadHeap heap = new LoadHeap(nrDpus, load);
    int[][] copyDpus = new int[entries.size()][];
    for (double[] pc : pieces) {
      int copies = (int) pc[2];
      int[] ds = new int[copies];
      List<Integer> skipped = new ArrayList<>();
      int got = 0;
      while (got < copies && !heap.isEmpty()) {
        int d = heap.pop();
        if (p.cacheRows[d] >= cacheRowsPerDpu) {
          skipped.add(d);
          continue;
        }
        ds[got++] = d;
      }
      if (got < copies) {
        ds = Arrays.copyOf(ds, got);
      }
      for (int d : ds) {
        load[d] += pc[0];
        p.cacheRows[d]++;
        heap.push(d);
      }
      skipped.forEach(heap::push);
      copyDpus[(int) pc[1]] = ds;
    }
    int[] cacheCount = p.cacheRows.clone();
    for (int t = 0; t < shapes.numTables(); t++) {
      for (int r : cached.getOrDefault(t, Set.of())) {
        p.dpuOf[t][0][r] = -1;
      }
    }
    long[] hot = hotRows(shapes.numTables(), (t, r) -> rowLoad[t][r], t -> rowLoad[t].length, cached);
    balancedKeepingCached(p, hot, load, (t, r) -> rowLoad[t][r], cacheCount);
    // 5. Number cache copies after the regular rows of each DPU (the cache region).
    Arrays.fill(p.cacheRows, 0);
    for (int i = 0; i < entries.size(); i++) {
      CacheEntry e = entries.get(i);
      int[] ds = copyDpus[i];
      CacheEntry sized = ds.length == e.dpus.length ? e : resize(p, e, ds.length);
      for (int c = 0; c < ds.length; c++) {
        sized.dpus[c] = ds[c];
        sized.locals[c] = p.regularRows[ds[c]] + p.cacheRows[ds[c]]++;
      }
    }
  }

  private static CacheEntry resize(Placement p, CacheEntry e, int copies) {
    CacheEntry n = new CacheEntry(e.table, e.rowA, e.rowB, copies);
    if (e.isPair()) {
      p.pairs[e.table].put(Placement.pairKey(e.rowA, e.rowB), n);
    } else {
      p.hotRows[e.table].put(e.rowA, n);
    }
    return n;
  }

  /** Regular rows around existing cache copies: cacheCount[d] slots already taken on DPU d. */
  private void balancedKeepingCached(Placement p, long[] hot, double[] load, RowWeight weight, int[] cacheCount) {
    System.arraycopy(cacheCount, 0, p.cacheRows, 0, nrDpus);
    long max = maxRows(p);
    for (int t = 0; t < shapes.numTables(); t++) {
      int[] dpu = p.dpuOf[t][0];
      for (int r = 0; r < dpu.length; r++) {
        if (dpu[r] != -1) {
          dpu[r] = -2;
        }
      }
    }
    LoadHeap heap = new LoadHeap(nrDpus, load);
    for (int i = hot.length - 1; i >= 0; i--) {
      int t = (int) ((hot[i] >>> 31) & 511);
      int r = (int) (hot[i] & 0x7fffffffL);
      int d = popWithRoom(heap, p, max);
      place(p, t, r, d);
      load[d] += weight.of(t, r);
      heap.push(d);
    }
    // Rows never seen while profiling: each table's round-robin over all DPUs, so every DPU gets the same share
    // of every table's tail (small tables have hot tails; contiguous tiles would pile them on one DPU).
    // DPUs clearly above the mean profiled load (a single very hot row, say) take no tail rows while others can.
    double mean = java.util.Arrays.stream(load).sum() / nrDpus;
    int[] open = java.util.stream.IntStream.range(0, nrDpus).filter(x -> load[x] <= mean * 1.05).toArray();
    if (open.length == 0) {
      open = java.util.stream.IntStream.range(0, nrDpus).toArray();
    }
    int k = 0;
    for (int t = 0; t < shapes.numTables(); t++) {
      int[] dpu = p.dpuOf[t][0];
      for (int r = 0; r < dpu.length; r++) {
        if (dpu[r] != -2) {
          continue;
        }
        int tries = 0;
        while (p.rowsOn(open[k]) >= max) {
          k = (k + 1) % open.length;
          if (++tries > open.length) {
            if (open.length == nrDpus) {
              throw new IllegalArgumentException("embedding rows do not fit the MRAM of " + nrDpus + " DPUs");
            }
            open = java.util.stream.IntStream.range(0, nrDpus).toArray();
            k = 0;
            tries = 0;
          }
        }
        place(p, t, r, open[k]);
        k = (k + 1) % open.length;
      }
    }
  }

  private void minePairs(Placement p, AccessProfile profile, int t, long budget) {
    if (budget <= 0) {
      return;
    }
    int[] c = profile.counts[t];
    // top candidates by count
    long[] keys = new long[c.length];
    int n = 0;
    for (int r = 0; r < c.length; r++) {
      if (c[r] >= 2) {
        keys[n++] = ((long) c[r] << 31) | r;
      }
    }
    keys = Arrays.copyOf(keys, n);
    Arrays.sort(keys);
    Set<Integer> candidates = new HashSet<>();
    for (int i = n - 1; i >= 0 && candidates.size() < PAIR_CANDIDATES; i--) {
      candidates.add((int) (keys[i] & 0x7fffffffL));
    }
    if (candidates.size() < 2) {
      return;
    }
    Map<Long, int[]> support = new HashMap<>();
    long bags = 0;
    for (Batch b : profile.sample) {
      for (int bag = 0; bag < b.numBags; bag++) {
        bags++;
        int s = b.offsets[t][bag];
        int e = b.offsets[t][bag + 1];
        int[] present = Arrays.stream(b.indices[t], s, e).filter(candidates::contains).distinct().sorted().toArray();
        for (int i = 0; i < present.length; i++) {
          for (int j = i + 1; j < present.length; j++) {
            support.computeIfAbsent(Placement.pairKey(present[i], present[j]), k -> new int[1])[0]++;
          }
        }
      }
    }
    long minSupport = Math.max(3, bags / 200);
    List<Map.Entry<Long, int[]>> ranked = new ArrayList<>(support.entrySet());
    ranked.sort((x, y) -> Integer.compare(y.getValue()[0], x.getValue()[0]));
    int added = 0;
    for (Map.Entry<Long, int[]> e : ranked) {
      if (e.getValue()[0] < minSupport || added >= budget) {
        break;
      }
      int a = (int) (e.getKey() >>> 32);
      int b = (int) (e.getKey() & 0xffffffffL);
      if (p.partner[t].containsKey(a) || p.partner[t].containsKey(b)) {
        continue;
      }
      p.partner[t].put(a, b);
      p.partner[t].put(b, a);
      p.pairs[t].put(e.getKey(), new CacheEntry(t, a, b, 1));
      added++;
    }
  }
}
