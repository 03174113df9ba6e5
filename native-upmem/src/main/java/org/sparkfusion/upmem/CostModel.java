package org.sparkfusion.upmem;

/**
 * Modeled latency of one batch on real UPMEM hardware, from exact per-DPU kernel counts and the transfer sizes
 * (every result is a model, labelled so in reports). Assumptions [I]: a DPU's DMA engine serves one transfer at
 * a time and overlaps with instruction issue, so kernel time = max(DMA cycles, issue cycles); issue needs
 * {@value HardwareFigures#PIPELINE_FILL_TASKLETS} tasklets for one instruction per cycle; ranks transfer in
 * parallel and every DPU of a rank moves the padded length; the parallel-transfer bandwidth of n DPUs of a rank
 * follows B(n) = B(1)·n^k through PrIM's two published points (1 DPU and 64 DPUs), per direction; one launch per
 * batch costs a fixed overhead (assumed: no published figure, see HardwareFigures).
 */
final class CostModel {
  private final int tasklets;
  private final int dpusPerRank;
  private final double launchUs;

  CostModel(int tasklets, int dpusPerRank) {
    this(tasklets, dpusPerRank, HardwareFigures.LAUNCH_OVERHEAD_US_ASSUMED);
  }

  CostModel(int tasklets, int dpusPerRank, double launchUs) {
    this.tasklets = tasklets;
    this.dpusPerRank = dpusPerRank;
    this.launchUs = launchUs;
  }

  /** Modeled breakdown of one batch, microseconds. */
  static final class Latency {
    double hostToDpuUs;
    double kernelUs;
    double dpuToHostUs;
    double launchUs;
    double hostUs;
    int slowestDpu;

    /** Everything on the DPU side (modeled): transfers, launch, slowest DPU's kernel. */
    double dpuSideUs() {
      return hostToDpuUs + kernelUs + dpuToHostUs + launchUs;
    }

    double totalUs() {
      return dpuSideUs() + hostUs;
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
   * Aggregate parallel-transfer bandwidth (bytes/s) of n DPUs of one rank: the power law through the published
   * 1-DPU and 64-DPU points (PrIM §3.4), n capped at a full rank.
   */
  static double rankBandwidth(int n, boolean toDpu) {
    double one = toDpu ? HardwareFigures.HOST_TO_DPU_BYTES_PER_S_ONE_DPU : HardwareFigures.DPU_TO_HOST_BYTES_PER_S_ONE_DPU;
    double rank = toDpu ? HardwareFigures.HOST_TO_DPU_BYTES_PER_S_PER_RANK
        : HardwareFigures.DPU_TO_HOST_BYTES_PER_S_PER_RANK;
    double k = Math.log(rank / one) / Math.log(HardwareFigures.DPUS_PER_RANK);
    return one * Math.pow(Math.min(Math.max(n, 1), HardwareFigures.DPUS_PER_RANK), k);
  }

  /** Microseconds to move bytesPerDpu to (or from) each of n DPUs of one rank in one parallel transfer. */
  static double rankTransferUs(long bytesPerDpu, int n, boolean toDpu) {
    return (double) bytesPerDpu * n / rankBandwidth(n, toDpu) * 1e6;
  }

  /**
   * @param pushToBytesPerDpu padded bytes pushed to every DPU (bags, indices, arguments)
   * @param pushFromBytesPerDpu padded bytes pulled from every DPU (pooled rows, status)
   * @param hostSeconds measured host work (routing) on this machine; 0 for the DPU side alone
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
    l.hostToDpuUs = rankTransferUs(pushToBytesPerDpu, inRank, true);
    l.dpuToHostUs = rankTransferUs(pushFromBytesPerDpu, inRank, false);
    l.launchUs = launchUs;
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
