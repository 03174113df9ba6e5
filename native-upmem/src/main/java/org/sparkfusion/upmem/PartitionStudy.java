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

  /**
   * Load on the profiling batches themselves (in-sample: the batches the placement was fitted to); no latency.
   * {@link #evaluate} measures the later, unseen batches of the same distribution.
   */
  LoadReport evaluateOnProfile(Placement placement) {
    return loadOn(placement, trace.batches.subList(0, profileBatches));
  }

  /** Load on the evaluated (unseen) batches only: same routing as {@link #evaluate}, no host timing. */
  LoadReport loadOnFresh(Placement placement) {
    return loadOn(placement, trace.batches.subList(profileBatches, trace.batches.size()));
  }

  private LoadReport loadOn(Placement placement, List<Batch> batches) {
    LoadReport report = new LoadReport(placement.strategy.id, placement.nrDpus);
    Router router = new Router(placement);
    for (Batch b : batches) {
      DpuBatch routed = router.route(b);
      report.add(routed, KernelCounts.of(routed, placement.rowWords), new CostModel.Latency());
    }
    return report;
  }

  /**
   * The evaluated batches' load and modeled DPU-side latency only (no host time): deterministic, so a benchmark
   * computes it once per configuration and measures the host part separately ({@link #hostRoutingUs}).
   */
  LoadReport modeled(Placement placement) {
    LoadReport report = new LoadReport(placement.strategy.id, placement.nrDpus);
    for (int d = 0; d < placement.nrDpus; d++) {
      report.shardRows[d] = placement.rowsOn(d);
    }
    Router router = new Router(placement);
    CostModel model = new CostModel(tasklets, HardwareFigures.DPUS_PER_RANK);
    for (Batch b : trace.batches.subList(profileBatches, trace.batches.size())) {
      DpuBatch routed = router.route(b);
      KernelCounts k = KernelCounts.of(routed, placement.rowWords);
      long[] bytes = CostModel.transferBytes(routed, placement.rowWords);
      report.add(routed, k, model.batch(k, bytes[0], bytes[1], 0));
    }
    return report;
  }

  /**
   * Measured host routing time: one pass of a fresh router over the evaluated batches on this thread,
   * microseconds per batch (one sample; callers repeat it in rounds and take the median).
   */
  double hostRoutingUs(Placement placement) {
    Router r = new Router(placement);
    List<Batch> eval = trace.batches.subList(profileBatches, trace.batches.size());
    long t0 = System.nanoTime();
    for (Batch b : eval) {
      r.route(b);
    }
    return (System.nanoTime() - t0) / 1e3 / eval.size();
  }

  LoadReport evaluate(Placement placement) {
    LoadReport report = new LoadReport(placement.strategy.id, placement.nrDpus);
    for (int d = 0; d < placement.nrDpus; d++) {
      report.shardRows[d] = placement.rowsOn(d);
    }
    Router router = new Router(placement);
    CostModel model = new CostModel(tasklets, HardwareFigures.DPUS_PER_RANK);
    List<Batch> eval = trace.batches.subList(profileBatches, trace.batches.size());
    // Host routing time: two warm-up passes (JIT), then the fastest of three timed passes per batch, since this
    // machine is shared and the minimum is the least disturbed measurement. Routing state (round-robin over
    // cache copies) lives in the router, so the warm-up routers do not change what the reported one does.
    double[] hostSeconds = new double[eval.size()];
    java.util.Arrays.fill(hostSeconds, Double.MAX_VALUE);
    for (int pass = 0; pass < 5; pass++) {
      Router r = new Router(placement);
      for (int i = 0; i < eval.size(); i++) {
        long t0 = System.nanoTime();
        r.route(eval.get(i));
        if (pass >= 2) {
          hostSeconds[i] = Math.min(hostSeconds[i], (System.nanoTime() - t0) / 1e9);
        }
      }
    }
    for (int i = 0; i < eval.size(); i++) {
      DpuBatch routed = router.route(eval.get(i));
      KernelCounts k = KernelCounts.of(routed, placement.rowWords);
      long[] bytes = CostModel.transferBytes(routed, placement.rowWords);
      report.add(routed, k, model.batch(k, bytes[0], bytes[1], hostSeconds[i]));
    }
    return report;
  }
}
