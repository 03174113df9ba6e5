package org.sparkfusion.upmem;

/**
 * Modeled latency of one batch on real UPMEM hardware, from exact per-DPU kernel counts and the transfer sizes
 * (every result is a model, labelled so in reports). Assumptions [I]: a DPU's DMA engine serves one transfer at
 * a time and overlaps with instruction issue, so kernel time = max(DMA cycles, issue cycles); issue needs
 * {@value HardwareFigures#PIPELINE_FILL_TASKLETS} tasklets for one instruction per cycle; ranks transfer in
 * parallel and every DPU of a rank moves the padded length; launch/sync overhead is not modeled (no published
 * figure in our sources).
 */
final class CostModel {
  private final int tasklets;
  private final int dpusPerRank;

  CostModel(int tasklets, int dpusPerRank) {
    this.tasklets = tasklets;
    this.dpusPerRank = dpusPerRank;
  }

  /** Modeled breakdown of one batch, microseconds. */
  static final class Latency {
    double hostToDpuUs;
    double kernelUs;
    double dpuToHostUs;
    double hostUs;
    int slowestDpu;

    double totalUs() {
      return hostToDpuUs + kernelUs + dpuToHostUs + hostUs;
    }
  }

  double kernelCycles(KernelCounts k, int d) {
    double dma = k.mramReads[d] * HardwareFigures.MRAM_READ_ALPHA_CYCLES
        + k.mramWrites[d] * HardwareFigures.MRAM_WRITE_ALPHA_CYCLES
        + (k.mramReadBytes[d] + k.mramWriteBytes[d]) * HardwareFigures.MRAM_BETA_CYCLES_PER_BYTE;
    double issue = k.instructions[d] * Math.max(1.0, (double) HardwareFigures.PIPELINE_FILL_TASKLETS / tasklets);
    return Math.max(dma, issue);
  }

  /**
   * @param pushToBytesPerDpu padded bytes pushed to every DPU (bags, indices, arguments)
   * @param pushFromBytesPerDpu padded bytes pulled from every DPU (pooled rows, status)
   * @param hostSeconds measured host work (routing and the final reduce) on this machine
   */
  Latency batch(KernelCounts k, long pushToBytesPerDpu, long pushFromBytesPerDpu, double hostSeconds) {
    Latency l = new Latency();
    int n = k.mramReads.length;
    double worst = 0;
    for (int d = 0; d < n; d++) {
      double c = kernelCycles(k, d);
      if (c > worst) {
        worst = c;
        l.slowestDpu = d;
      }
    }
    int inRank = Math.min(n, dpusPerRank);
    l.kernelUs = worst / HardwareFigures.DPU_HZ * 1e6;
    l.hostToDpuUs = (double) pushToBytesPerDpu * inRank / HardwareFigures.HOST_TO_DPU_BYTES_PER_S_PER_RANK * 1e6;
    l.dpuToHostUs = (double) pushFromBytesPerDpu * inRank / HardwareFigures.DPU_TO_HOST_BYTES_PER_S_PER_RANK * 1e6;
    l.hostUs = hostSeconds * 1e6;
    return l;
  }

  /** Transfer sizes the host library uses for a routed batch (mirrors upd_run_batch's padding). */
  static long[] transferBytes(DpuBatch b, int[] rowWords) {
    long maxBags = 0;
    long maxIdx = 0;
    long maxWords = 0;
    for (int d = 0; d < b.nrDpus; d++) {
      maxBags = Math.max(maxBags, b.bagCount(d));
      maxIdx = Math.max(maxIdx, b.idx[d].n);
      maxWords = Math.max(maxWords, rowWords[d]);
    }
    long args = 32;
    long to = maxBags * 8 + ((maxIdx * 4 + 7) & ~7L) + args;
    long from = maxBags * maxWords * 8 + args;
    return new long[] {to, from};
  }
}
