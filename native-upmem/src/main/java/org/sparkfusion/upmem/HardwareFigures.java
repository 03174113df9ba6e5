package org.sparkfusion.upmem;

import java.util.List;

/**
 * Every published UPMEM figure the cost model uses, with its source, in one place, and the published
 * microbenchmark points the model is checked against ({@link Calibration}). Labels as in docs/upmem.md:
 * [V] verified in a primary source, [S] secondary summary or recollection of the primary source (not re-read here:
 * the PrIM paper's body could not be opened from this machine), [I] inference / assumption.
 *
 * <p>PrIM = Gómez-Luna et al., "Benchmarking a New Paradigm: An Experimental Analysis of a Real Processing-in-Memory
 * Architecture", arXiv 2105.03814 (2021); IEEE Access 10 (2022) as "... Experimental Analysis and Characterization
 * of a Real Processing-in-Memory System". Section numbers are those of the arXiv version's §3 (microbenchmarks).
 */
final class HardwareFigures {
  private HardwareFigures() {}

  /** Paper reference used in the sources below. */
  static final String PRIM = "PrIM (Gómez-Luna et al., arXiv 2105.03814; IEEE Access 2022)";

  /** DPU clock, v1A DIMMs (PrIM's 2,556-DPU system runs at 350 MHz). [V] sdk.upmem.com "DPU chip characteristics". */
  static final double DPU_HZ = 350e6;
  /** MRAM→WRAM DMA fixed latency α (cycles) of mram_read. [S] PrIM §3.2.1, MRAM latency model α + β·size. */
  static final double MRAM_READ_ALPHA_CYCLES = 77;
  /** WRAM→MRAM DMA fixed latency α (cycles) of mram_write. [S] PrIM §3.2.1, α = 61. */
  static final double MRAM_WRITE_ALPHA_CYCLES = 61;
  /** DMA cost per byte β (cycles/B). [S] PrIM §3.2.1, β = 0.5 (2 B/cycle = 700 MB/s per DPU at 350 MHz). */
  static final double MRAM_BETA_CYCLES_PER_BYTE = 0.5;
  /** Tasklets needed to fill the 14-stage pipeline (one instruction per cycle). [V] Hot Chips 31 (AnandTech); PrIM §2. */
  static final int PIPELINE_FILL_TASKLETS = 11;
  /** CPU→DPU transfer to one DPU (serial, dpu_copy_to), bytes/s. [S] PrIM §3.4, 0.33 GB/s. */
  static final double HOST_TO_DPU_BYTES_PER_S_ONE_DPU = 0.33e9;
  /** Parallel CPU→DPU transfer to one 64-DPU rank (dpu_push_xfer), bytes/s. [S] PrIM §3.4, 6.68 GB/s. */
  static final double HOST_TO_DPU_BYTES_PER_S_PER_RANK = 6.68e9;
  /** DPU→CPU transfer from one DPU (serial), bytes/s. [S] PrIM §3.4, 0.12 GB/s. */
  static final double DPU_TO_HOST_BYTES_PER_S_ONE_DPU = 0.12e9;
  /** Parallel DPU→CPU transfer from one 64-DPU rank, bytes/s. [S] PrIM §3.4, 4.74 GB/s. */
  static final double DPU_TO_HOST_BYTES_PER_S_PER_RANK = 4.74e9;
  /**
   * Launch + synchronisation of one kernel launch on the DPU set (dpu_launch DPU_SYNCHRONOUS: boot every DPU, poll
   * until all are done), microseconds. [I] ASSUMED: no published figure was found in PrIM or the SDK docs; the
   * benchmark reports how the speed-up moves with it (0, this value, 10x this value).
   */
  static final double LAUNCH_OVERHEAD_US_ASSUMED = 20;
  /** DPUs per rank on UPMEM DIMMs. [V] sdk.upmem.com "Controlling the execution of DPUs from host applications". */
  static final int DPUS_PER_RANK = 64;
  /** MRAM per DPU. [V] SDK docs. */
  static final long MRAM_BYTES = 64L << 20;
  /** WRAM per DPU (v1A). [V] SDK docs. */
  static final int WRAM_BYTES = 64 << 10;
  /** Largest published system: 2,556 usable DPUs of 2,560 (20 DIMMs). [S] PrIM §2. */
  static final int LARGEST_SYSTEM_DPUS = 2560;

  /** What a published microbenchmark point measures; {@link Calibration} predicts each kind from the model. */
  enum Kind {
    /** One DPU, 16 tasklets streaming mram_read of {@code size} bytes: MB/s. */
    MRAM_READ_BW,
    /** One DPU, 16 tasklets streaming mram_write of {@code size} bytes: MB/s. */
    MRAM_WRITE_BW,
    /** CPU→DPU bandwidth to {@code size} DPUs of one rank with parallel transfers: GB/s. */
    HOST_TO_DPU_BW,
    /** DPU→CPU bandwidth from {@code size} DPUs of one rank with parallel transfers: GB/s. */
    DPU_TO_HOST_BW
  }

  /**
   * A published measurement: value in the unit of its kind. {@code fitted} = the model's constants were taken from
   * this very point (so its error is zero by construction and says nothing about the model's accuracy).
   */
  record Point(String name, Kind kind, int size, double published, String source, boolean fitted) {}

  /** Published points the model is calibrated against (docs/benchmarks/upmem.md, section 4). */
  static final List<Point> PUBLISHED = List.of(
      new Point("MRAM read bandwidth, 2,048-B DMA, 1 DPU", Kind.MRAM_READ_BW, 2048, 628.23,
          "[S] " + PRIM + " §3.2.1: sustained MRAM read bandwidth 628.23 MB/s at 2,048 B", false),
      new Point("MRAM write bandwidth, 2,048-B DMA, 1 DPU", Kind.MRAM_WRITE_BW, 2048, 633.22,
          "[S] " + PRIM + " §3.2.1: sustained MRAM write bandwidth 633.22 MB/s at 2,048 B", false),
      new Point("CPU→DPU, 1 DPU", Kind.HOST_TO_DPU_BW, 1, 0.33,
          "[S] " + PRIM + " §3.4: 0.33 GB/s to a single DPU", true),
      new Point("CPU→DPU, 1 rank (64 DPUs), parallel", Kind.HOST_TO_DPU_BW, 64, 6.68,
          "[S] " + PRIM + " §3.4: 6.68 GB/s parallel transfers to 64 DPUs", true),
      new Point("DPU→CPU, 1 DPU", Kind.DPU_TO_HOST_BW, 1, 0.12,
          "[S] " + PRIM + " §3.4: 0.12 GB/s from a single DPU", true),
      new Point("DPU→CPU, 1 rank (64 DPUs), parallel", Kind.DPU_TO_HOST_BW, 64, 4.74,
          "[S] " + PRIM + " §3.4: 4.74 GB/s parallel transfers from 64 DPUs", true));
}
