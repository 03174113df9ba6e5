package org.sparkfusion.upmem;

import java.util.List;

/**
 * Partitions tables for a number of DPUs, routes a trace's evaluation batches and models their latency: the
 * profiling batches drive balanced/cache-aware placement, the later batches are measured (no overlap).
 */
final class PartitionStudy {
  final TableShapes shapes;
  final Trace trace;
  final int profileBatches;
  int cacheRowsPerDpu = 256;
  int columnGroups = 2;
  int tasklets = 16;
  long budgetBytes = HardwareFigures.MRAM_BYTES - (8L << 20);

  PartitionStudy(TableShapes shapes, Trace trace, int profileBatches) {
    if (profileBatches < 1 || profileBatches >= trace.batches.size()) {
      throw new IllegalArgumentException("the trace has " + trace.batches.size() + " batches; need more than the "
          + profileBatches + " profiling batches so that some are left to evaluate");
    }
    this.shapes = shapes;
    this.trace = trace;
    this.profileBatches = profileBatches;
  }

  private AccessProfile profile;

  AccessProfile profile() {
    if (profile == null) {
      profile = AccessProfile.of(shapes, trace.batches.subList(0, profileBatches));
    }
    return profile;
  }

  Placement place(Strategy strategy, int nrDpus) {
    Partitioner p = new Partitioner(shapes, nrDpus, budgetBytes, cacheRowsPerDpu, columnGroups);
    return p.place(strategy, strategy.needsProfile() ? profile() : null);
  }

  LoadReport evaluate(Placement placement) {
    LoadReport report = new LoadReport(placement.strategy.id, placement.nrDpus);
    for (int d = 0; d < placement.nrDpus; d++) {
      report.shardRows[d] = placement.rowsOn(d);
    }
    Router router = new Router(placement);
    CostModel model = new CostModel(tasklets, HardwareFigures.DPUS_PER_RANK);
    List<Batch> eval = trace.batches.subList(profileBatches, trace.batches.size());
    // Warm-up pass on a copy of the placement (round-robin state stays untouched), so the measured host time
    // is compiled code, not the JIT's first passes.
    Router warm = new Router(placement);
    for (int i = 0; i < 3; i++) {
      for (Batch b : eval) {
        warm.route(b);
      }
    }
    for (Batch b : eval) {
      long t0 = System.nanoTime();
      DpuBatch routed = router.route(b);
      double routeSeconds = (System.nanoTime() - t0) / 1e9;
      KernelCounts k = KernelCounts.of(routed, placement.rowWords);
      long[] bytes = CostModel.transferBytes(routed, placement.rowWords);
      report.add(routed, k, model.batch(k, bytes[0], bytes[1], routeSeconds));
    }
    return report;
  }
}
