package org.sparkfusion.upmem;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkfusion.dlrm.embedding.EmbeddingBackend;
import org.sparkfusion.dlrm.embedding.EmbeddingTables;

/**
 * Embedding pooling on a DPU set (real or emulated): tables are quantized and laid into MRAM once; every batch
 * is routed to DPUs, pushed, pooled on the DPUs and finished on the host. One instance serves all tasks of an
 * executor: batches run one at a time on the DPU set (a lock), routing included.
 */
final class DpuEmbeddingBackend implements EmbeddingBackend {
  private static final Logger LOG = LoggerFactory.getLogger(DpuEmbeddingBackend.class);

  private final String name;
  private final DpuNative nat;
  private final EmbeddingTables tables;
  private final TableShapes shapes;
  private final FixedPoint fixedPoint;
  private final Strategy strategy;
  private final int profileBatches;
  private final Partitioner partitioner;
  private final ReentrantLock lock = new ReentrantLock();
  private final long[] stats = new long[6];
  private long ctx;
  private int nrDpus;
  private Placement placement;
  private Router router;
  private AccessProfile profile;
  private DpuBatch.Buffers buffers = new DpuBatch.Buffers();
  private ByteBuffer out;
  private long batches;
  private int loads;

  DpuEmbeddingBackend(String name, DpuNative nat, EmbeddingTables tables, int nrRanks, String profileString,
      int tasklets, Strategy strategy, int profileBatches, String scale, int cacheRowsPerDpu, int columnGroups,
      int batchReserveMb) {
    this.name = name;
    this.nat = nat;
    this.tables = tables;
    this.shapes = TableShapes.of(tables);
    this.fixedPoint = FixedPoint.of(scale, FixedPoint.maxAbs(tables));
    this.strategy = strategy;
    this.profileBatches = profileBatches;
    this.ctx = nat.open(nrRanks, profileString, nat.kernelPath(tasklets));
    try {
      this.nrDpus = nat.nrDpus(ctx);
      long budget = HardwareFigures.MRAM_BYTES - ((long) batchReserveMb << 20);
      this.partitioner = new Partitioner(shapes, nrDpus, budget, cacheRowsPerDpu, columnGroups);
      Strategy first = strategy.needsProfile() ? Strategy.UNIFORM : strategy;
      if (strategy.needsProfile() && profileBatches > 0) {
        profile = new AccessProfile(shapes);
      }
      load(partitioner.place(first, null));
      LOG.info("{}: {} on {} DPUs in {} ranks, fixed-point scale {}, strategy {} ({})", name, shapes, nrDpus,
          nat.nrRanks(ctx), fixedPoint.scale, strategy.id,
          profile == null ? "no profiling" : "after " + profileBatches + " profiled batches");
    } catch (RuntimeException e) {
      nat.close(ctx);
      ctx = 0;
      throw e;
    }
  }

  @Override
  public String name() {
    return name;
  }

  /** Quantizes every row and lays each DPU's shard (regular rows, then its cache region) into its MRAM. */
  private void load(Placement p) {
    int dim = shapes.dim;
    int[][] shard = new int[nrDpus][];
    for (int d = 0; d < nrDpus; d++) {
      shard[d] = new int[Math.toIntExact((long) p.rowsOn(d) * p.rowWords[d])];
    }
    for (int t = 0; t < shapes.numTables(); t++) {
      float[] w = tables.weights(t);
      int w0 = tables.rowBase(t);
      for (int g = 0; g < p.groups(); g++) {
        int[] dpu = p.dpuOf[t][g];
        int[] local = p.localOf[t][g];
        int c0 = p.groupStart[g];
        int cw = p.groupWidth[g];
        for (int r = 0; r < dpu.length; r++) {
          int d = dpu[r];
          if (d < 0) {
            continue;
          }
          int at = local[r] * p.rowWords[d];
          long src = w0 + (long) r * dim + c0;
          for (int c = 0; c < cw; c++) {
            shard[d][at + c] = fixedPoint.quantize(w[(int) (src + c)]);
          }
        }
      }
      for (CacheEntry e : p.hotRows[t].values()) {
        writeCache(p, shard, e, w, w0);
      }
      for (CacheEntry e : p.pairs[t].values()) {
        writeCache(p, shard, e, w, w0);
      }
    }
    for (int d = 0; d < nrDpus; d++) {
      ByteBuffer b = ByteBuffer.allocateDirect(Math.max(8, shard[d].length * 4)).order(ByteOrder.nativeOrder());
      b.asIntBuffer().put(shard[d]);
      nat.loadShard(ctx, d, b, p.rowsOn(d), p.rowWords[d], p.cols[d]);
      shard[d] = null;
    }
    placement = p;
    router = new Router(p);
    loads++;
  }

  private void writeCache(Placement p, int[][] shard, CacheEntry e, float[] w, int w0) {
    int dim = shapes.dim;
    for (int c = 0; c < e.dpus.length; c++) {
      int d = e.dpus[c];
      int at = e.locals[c] * p.rowWords[d];
      for (int k = 0; k < dim; k++) {
        int q = fixedPoint.quantize(w[w0 + e.rowA * dim + k]);
        if (e.isPair()) {
          q += fixedPoint.quantize(w[w0 + e.rowB * dim + k]);
        }
        shard[d][at + k] = q;
      }
    }
  }

  @Override
  public void pool(int numBags, int[][] indices, int[][] offsets, float[] result) {
    Batch batch = new Batch(numBags, indices, offsets);
    lock.lock();
    try {
      if (ctx == 0) {
        throw new IllegalStateException(name + " embedding backend is closed");
      }
      run(batch, result, 0);
      batches++;
      if (profile != null) {
        profile.record(copy(batch));
        if (profile.sample.size() >= profileBatches) {
          Placement next = partitioner.place(strategy, profile);
          profile = null;
          load(next);
          LOG.info("{}: re-partitioned with {} after {} profiled batches", name, strategy.id, profileBatches);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private static Batch copy(Batch b) {
    int[][] idx = new int[b.numTables()][];
    int[][] off = new int[b.numTables()][];
    for (int t = 0; t < idx.length; t++) {
      idx[t] = java.util.Arrays.copyOf(b.indices[t], b.offsets[t][b.numBags]);
      off[t] = java.util.Arrays.copyOf(b.offsets[t], b.numBags + 1);
    }
    return new Batch(b.numBags, idx, off);
  }

  /** Routes and runs bags; halves the batch while it does not fit the MRAM left after the tables. */
  private void run(Batch batch, float[] result, int firstBag) {
    DpuBatch routed = router.route(batch);
    long[] bytes = CostModel.transferBytes(routed, placement.rowWords);
    if (bytes[0] + bytes[1] > nat.batchCapacity(ctx) && batch.numBags > 1) {
      int half = batch.numBags / 2;
      run(batch.slice(0, half), result, firstBag);
      run(batch.slice(half, batch.numBags), result, firstBag + half);
      return;
    }
    long outLen = (long) batch.numBags * shapes.numTables() * shapes.dim;
    if (out == null || out.capacity() < outLen * 4) {
      out = ByteBuffer.allocateDirect((int) Math.max(64, outLen * 4)).order(ByteOrder.nativeOrder());
    }
    buffers = routed.fill(buffers);
    nat.runBatch(ctx, buffers.bagCounts, buffers.idxCounts, buffers.bags, buffers.idx, buffers.dest, out, outLen,
        1.0 / fixedPoint.scale, stats);
    FloatBuffer f = out.asFloatBuffer();
    f.get(result, (int) ((long) firstBag * shapes.numTables() * shapes.dim), (int) outLen);
    lastRouted = routed;
  }

  private DpuBatch lastRouted;

  // ---- for tests and the benchmark (package-private) ----

  Placement placement() {
    return placement;
  }

  DpuBatch lastRouted() {
    return lastRouted;
  }

  long[] lastTransferStats() {
    return stats.clone();
  }

  int loads() {
    return loads;
  }

  int nrDpus() {
    return nrDpus;
  }

  double scale() {
    return fixedPoint.scale;
  }

  /** Emulator counters per DPU (9 each, see struct dpu_emu_stats); zeros on real hardware. */
  long[] counters() {
    lock.lock();
    try {
      long[] c = new long[nrDpus * 9];
      nat.counters(ctx, c);
      return c;
    } finally {
      lock.unlock();
    }
  }

  void resetCounters() {
    lock.lock();
    try {
      nat.resetCounters(ctx);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (ctx != 0) {
        nat.close(ctx);
        ctx = 0;
      }
    } finally {
      lock.unlock();
    }
  }
}
