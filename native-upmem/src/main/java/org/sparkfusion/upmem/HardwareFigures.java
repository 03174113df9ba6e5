package org.sparkfusion.upmem;

/**
 * Every published UPMEM figure the cost model uses, with its source, in one place. Labels as in
 * docs/upmem.md: [V] verified in a primary source, [S] secondary summary, [I] inference / recollection.
 */
final class HardwareFigures {
  private HardwareFigures() {}

  /** DPU clock, v1A DIMMs (2,556-DPU PrIM system runs at 350 MHz). [V] sdk.upmem.com; PrIM arXiv 2105.03814. */
  static final double DPU_HZ = 350e6;
  /** MRAM→WRAM DMA latency α (cycles) of mram_read. [S] PrIM: latency ≈ α + β·bytes, α ≈ 77. */
  static final double MRAM_READ_ALPHA_CYCLES = 77;
  /** WRAM→MRAM DMA latency α (cycles) of mram_write. [S] PrIM, α ≈ 61. */
  static final double MRAM_WRITE_ALPHA_CYCLES = 61;
  /** DMA cost per byte β (cycles/B). [S] PrIM, β = 0.5 (peak 2 B/cycle = 700 MB/s per DPU at 350 MHz). */
  static final double MRAM_BETA_CYCLES_PER_BYTE = 0.5;
  /** Tasklets needed to fill the 14-stage pipeline (one instruction per cycle). [V] AnandTech, Hot Chips 31. */
  static final int PIPELINE_FILL_TASKLETS = 11;
  /** Parallel CPU→DPU transfer bandwidth per 64-DPU rank, bytes/s. [S] PrIM: 6.68 GB/s. */
  static final double HOST_TO_DPU_BYTES_PER_S_PER_RANK = 6.68e9;
  /** Parallel DPU→CPU transfer bandwidth per rank, bytes/s. [I] 4.74 GB/s, recollection of PrIM; to confirm. */
  static final double DPU_TO_HOST_BYTES_PER_S_PER_RANK = 4.74e9;
  /** DPUs per rank on UPMEM DIMMs. [V] SDK docs. */
  static final int DPUS_PER_RANK = 64;
  /** MRAM per DPU. [V] SDK docs. */
  static final long MRAM_BYTES = 64L << 20;
  /** WRAM per DPU (v1A). [V] SDK docs. */
  static final int WRAM_BYTES = 64 << 10;
  /** Largest published system: 2,556 usable DPUs of 2,560 (20 DIMMs). [S] PrIM. */
  static final int LARGEST_SYSTEM_DPUS = 2560;
}
