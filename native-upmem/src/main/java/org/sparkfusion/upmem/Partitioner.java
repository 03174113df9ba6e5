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
 * public): uniform row tiles, column groups, workload-balanced placement by profiled access counts (hot rows
 * replicated, longest-processing-time-first plus a refinement pass), and cache-aware placement whose bounded cache
 * region holds hot-row replicas and co-occurring pair sums, balancing cached and regular accesses together.
 */
final class Partitioner {
  /** Hot candidates per table considered for pair sums. */
  static final int PAIR_CANDIDATES = 256;
  /**
   * Items (rows, pair sums) heavier than a DPU's fair share / this are replicated, in pieces of at most that load:
   * small pieces leave the router room to even out what the profile did not predict (16 measured best of 4, 8, 16).
   */
  static final double PIECES_PER_FAIR_SHARE = 16;

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

  /** Workload-balanced: hot rows replicated, then LPT + refinement over replicas and rows; no pair sums. */
  private void balanced(Placement p, AccessProfile profile) {
    replicatedBalance(p, profile, false);
  }

  /** Cache-aware: pair sums of co-occurring hot rows and hot-row replicas in a bounded cache region per DPU. */
  private void cacheAware(Placement p, AccessProfile profile) {
    replicatedBalance(p, profile, true);
  }

  /**
   * The shared placement of balanced and cache-aware. (1) With pairs: mine co-occurring hot pairs (up to half the
   * cache). (2) Replay the profile to get each row's and pair's load (a matched pair counts once, its rows not).
   * (3) Every item (row or pair sum) heavier than {@code fair / PIECES_PER_FAIR_SHARE} is replicated into
   * {@code ceil(load / piece)} copies on distinct DPUs; the router splits its lookups over the copies, which keeps
   * pooling exact since sums are per bag. Copies take MRAM: cache-aware bounds them by its cache region
   * ({@code cacheRowsPerDpu}), balanced by what the MRAM budget leaves after the tables. (4) Longest processing time
   * first over all pieces (a copy of a replicated item) and single rows together, descending, each onto the least
   * loaded DPU with room. (5) A refinement pass moves pieces/rows from the most to the least loaded DPU while that
   * lowers the maximum. (6) Rows never seen while profiling go round-robin over the DPUs not above the mean.
   */
  private void replicatedBalance(Placement p, AccessProfile profile, boolean withPairs) {
    int tables = shapes.numTables();
    long maxRows = maxRows(p);
    long perDpuCap = withPairs ? cacheRowsPerDpu : Long.MAX_VALUE;
    long slots = withPairs ? (long) nrDpus * cacheRowsPerDpu : Math.max(0, maxRows * nrDpus - shapes.totalRows());
    if (withPairs) {
      for (int t = 0; t < tables; t++) {
        minePairs(p, profile, t, slots / 2 / Math.max(1, tables));
      }
    }
    // 2. Loads after pair substitution, replayed on the profile.
    double[][] rowLoad = new double[tables][];
    Map<Long, double[]> pairLoad = new HashMap<>();
    double total = 0;
    if (!withPairs) {
      for (int t = 0; t < tables; t++) {
        int[] c = profile.counts[t];
        rowLoad[t] = new double[c.length];
        for (int r = 0; r < c.length; r++) {
          rowLoad[t][r] = c[r];
          total += c[r];
        }
      }
    } else {
      IntIntMap[] partners = new IntIntMap[tables];
      for (int t = 0; t < tables; t++) {
        rowLoad[t] = new double[(int) shapes.rows[t]];
        partners[t] = new IntIntMap(p.partner[t].size());
        for (Map.Entry<Integer, Integer> e : p.partner[t].entrySet()) {
          partners[t].put(e.getKey(), e.getValue());
        }
      }
      for (Batch b : profile.sample) {
        for (int t = 0; t < tables; t++) {
          for (int bag = 0; bag < b.numBags; bag++) {
            int[] rows = Arrays.copyOfRange(b.indices[t], b.offsets[t][bag], b.offsets[t][bag + 1]);
            for (int small : PairMatcher.match(rows, partners[t])) {
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
    }
    // 3. Replicated items, heaviest first, while the replica slots last.
    double fair = total / nrDpus;
    double piece = Math.max(fair / PIECES_PER_FAIR_SHARE, 1e-9);
    List<double[]> items = new ArrayList<>(); // {load, table, rowA, rowB}
    for (int t = 0; t < tables; t++) {
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
    List<CacheEntry> entries = new ArrayList<>();
    List<Double> entryLoad = new ArrayList<>();
    for (double[] it : items) {
      int t = (int) it[1];
      int a = (int) it[2];
      int b = (int) it[3];
      int copies = (int) Math.max(1, Math.min(nrDpus, Math.ceil(it[0] / piece)));
      copies = (int) Math.min(copies, slots - usedSlots);
      if (copies <= 0 || (b >= 0 && it[0] <= 0)) {
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
        p.dpuOf[t][0][a] = -1;
      }
      entries.add(entry);
      entryLoad.add(it[0]);
    }
    // 4. LPT over pieces and single rows together (unit u < entries: a replicated item; else a single row).
    int ne = entries.size();
    IntList singleT = new IntList();
    IntList singleR = new IntList();
    for (int t = 0; t < tables; t++) {
      int[] dpu = p.dpuOf[t][0];
      for (int r = 0; r < dpu.length; r++) {
        if (dpu[r] == -1) {
          continue;
        }
        dpu[r] = -2; // not placed yet
        if (rowLoad[t][r] > 0) {
          singleT.add(t);
          singleR.add(r);
        }
      }
    }
    int units = ne + singleT.n;
    double[] weight = new double[units];
    long[] keys = new long[units];
    for (int u = 0; u < units; u++) {
      weight[u] = u < ne ? entryLoad.get(u) / entries.get(u).dpus.length
          : rowLoad[singleT.a[u - ne]][singleR.a[u - ne]];
      keys[u] = ((long) Float.floatToIntBits((float) weight[u]) << 32) | u;
    }
    Arrays.sort(keys);
    double[] load = new double[nrDpus];
    int[] regular = p.regularRows;
    int[] cache = p.cacheRows;
    Arrays.fill(regular, 0);
    Arrays.fill(cache, 0);
    int[] singleDpu = new int[singleT.n];
    int[][] copyDpus = new int[ne][];
    LoadHeap heap = new LoadHeap(nrDpus, load);
    int[] popped = new int[nrDpus];
    for (int i = units - 1; i >= 0; i--) {
      int u = (int) keys[i];
      if (u < ne) {
        int want = entries.get(u).dpus.length;
        int got = 0;
        int np = 0;
        while (got < want && !heap.isEmpty()) {
          int d = heap.pop();
          popped[np++] = d;
          if (cache[d] < perDpuCap && regular[d] + cache[d] < maxRows) {
            popped[np - 1] = popped[got];
            popped[got++] = d;
          }
        }
        if (got == 0) {
          throw new IllegalArgumentException("no DPU has room left for a replica; use more DPUs");
        }
        weight[u] = entryLoad.get(u) / got;
        copyDpus[u] = Arrays.copyOf(popped, got);
        for (int k = 0; k < got; k++) {
          load[popped[k]] += weight[u];
          cache[popped[k]]++;
        }
        for (int k = 0; k < np; k++) {
          heap.push(popped[k]);
        }
      } else {
        int d = popWithRoom(heap, p, maxRows);
        singleDpu[u - ne] = d;
        regular[d]++;
        load[d] += weight[u];
        heap.push(d);
      }
    }
    // 5. Refinement: move a unit from the most to the least loaded DPU while that lowers their maximum.
    refine(load, weight, singleDpu, copyDpus, ne, perDpuCap, maxRows, p);
    for (int s = 0; s < singleT.n; s++) {
      p.dpuOf[singleT.a[s]][0][singleR.a[s]] = singleDpu[s];
    }
    // 6. Rows never seen while profiling: each table's round-robin over the DPUs not above 1.05 x the mean profiled
    // load (every DPU gets the same share of every table's tail; small tables have hot tails).
    double mean = Arrays.stream(load).sum() / nrDpus;
    int[] open = java.util.stream.IntStream.range(0, nrDpus).filter(x -> load[x] <= mean * 1.05).toArray();
    if (open.length == 0) {
      open = java.util.stream.IntStream.range(0, nrDpus).toArray();
    }
    int k = 0;
    for (int t = 0; t < tables; t++) {
      int[] dpu = p.dpuOf[t][0];
      for (int r = 0; r < dpu.length; r++) {
        if (dpu[r] != -2) {
          continue;
        }
        int tries = 0;
        while (p.rowsOn(open[k]) >= maxRows) {
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
        dpu[r] = open[k];
        regular[open[k]]++;
        k = (k + 1) % open.length;
      }
    }
    // 7. Local rows: regular rows densely per DPU, then its replicas/cache region.
    Arrays.fill(regular, 0);
    Arrays.fill(cache, 0);
    for (int t = 0; t < tables; t++) {
      int[] dpu = p.dpuOf[t][0];
      int[] local = p.localOf[t][0];
      for (int r = 0; r < dpu.length; r++) {
        if (dpu[r] >= 0) {
          local[r] = regular[dpu[r]]++;
        }
      }
    }
    for (int u = 0; u < ne; u++) {
      CacheEntry e = entries.get(u);
      int[] ds = copyDpus[u];
      CacheEntry sized = ds.length == e.dpus.length ? e : resize(p, e, ds.length);
      for (int c = 0; c < ds.length; c++) {
        sized.dpus[c] = ds[c];
        sized.locals[c] = regular[ds[c]] + cache[ds[c]]++;
      }
    }
  }

  /**
   * Moves units (single rows or one copy of a replicated item) from the most loaded DPU to the least loaded one,
   * each time the unit whose weight is closest to half their gap, while that lowers the pair's maximum.
   */
  private void refine(double[] load, double[] weight, int[] singleDpu, int[][] copyDpus, int ne, long perDpuCap,
      long maxRows, Placement p) {
    IntList[] on = new IntList[nrDpus];
    for (int d = 0; d < nrDpus; d++) {
      on[d] = new IntList();
    }
    for (int u = 0; u < ne; u++) {
      for (int d : copyDpus[u]) {
        on[d].add(u);
      }
    }
    for (int s = 0; s < singleDpu.length; s++) {
      on[singleDpu[s]].add(ne + s);
    }
    for (int iter = 0; iter < 4 * nrDpus; iter++) {
      int hi = 0;
      int lo = 0;
      for (int d = 1; d < nrDpus; d++) {
        if (load[d] > load[hi]) {
          hi = d;
        }
        if (load[d] < load[lo]) {
          lo = d;
        }
      }
      double gap = load[hi] - load[lo];
      if (gap <= 1e-9 || p.rowsOn(lo) >= maxRows) {
        return;
      }
      int best = -1;
      double bestScore = 0;
      for (int i = 0; i < on[hi].n; i++) {
        int u = on[hi].a[i];
        double w = weight[u];
        if (w <= 0 || w >= gap) {
          continue;
        }
        if (u < ne && (p.cacheRows[lo] >= perDpuCap || contains(copyDpus[u], lo))) {
          continue;
        }
        double score = Math.min(w, gap - w);
        if (score > bestScore) {
          bestScore = score;
          best = i;
        }
      }
      if (best < 0) {
        return;
      }
      int u = on[hi].a[best];
      on[hi].a[best] = on[hi].a[--on[hi].n];
      on[lo].add(u);
      load[hi] -= weight[u];
      load[lo] += weight[u];
      if (u < ne) {
        int[] ds = copyDpus[u];
        for (int c = 0; c < ds.length; c++) {
          if (ds[c] == hi) {
            ds[c] = lo;
          }
        }
        p.cacheRows[hi]--;
        p.cacheRows[lo]++;
      } else {
        singleDpu[u - ne] = lo;
        p.regularRows[hi]--;
        p.regularRows[lo]++;
      }
    }
  }

  private static boolean contains(int[] a, int v) {
    for (int x : a) {
      if (x == v) {
        return true;
      }
    }
    return false;
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

  private static CacheEntry resize(Placement p, CacheEntry e, int copies) {
    CacheEntry n = new CacheEntry(e.table, e.rowA, e.rowB, copies);
    if (e.isPair()) {
      p.pairs[e.table].put(Placement.pairKey(e.rowA, e.rowB), n);
    } else {
      p.hotRows[e.table].put(e.rowA, n);
    }
    return n;
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
