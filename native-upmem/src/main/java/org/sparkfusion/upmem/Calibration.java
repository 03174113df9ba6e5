package org.sparkfusion.upmem;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The cost model next to every published UPMEM microbenchmark point in {@link HardwareFigures#PUBLISHED}: the
 * model's prediction for the same experiment, computed through the same code paths the benchmark uses
 * ({@link CostModel#kernelCycles} for MRAM streams, {@link CostModel#rankTransferUs} for host transfers).
 */
final class Calibration {
  private Calibration() {}

  /** Bytes each DPU moves in a modeled transfer experiment (large enough that the size does not matter). */
  private static final long TRANSFER_BYTES = 32L << 20;
  private static final int STREAM_DMAS = 4096;

  record Row(HardwareFigures.Point point, double modeled) {
    double relErr() {
      return (modeled - point.published()) / point.published();
    }
  }

  static List<Row> rows() {
    List<Row> out = new ArrayList<>();
    for (HardwareFigures.Point p : HardwareFigures.PUBLISHED) {
      out.add(new Row(p, predict(p)));
    }
    return out;
  }

  /** The model's value for a published point, in the point's unit (MB/s for MRAM, GB/s for host transfers). */
  static double predict(HardwareFigures.Point p) {
    switch (p.kind()) {
      case MRAM_READ_BW:
      case MRAM_WRITE_BW: {
        // One DPU streaming STREAM_DMAS transfers of p.size() bytes, as PrIM's microbenchmark does with 16 tasklets
        // (enough to fill the pipeline, so the DMA engine is the bound).
        KernelCounts k = new KernelCounts(1);
        long bytes = (long) STREAM_DMAS * p.size();
        if (p.kind() == HardwareFigures.Kind.MRAM_READ_BW) {
          k.mramReads[0] = STREAM_DMAS;
          k.mramReadBytes[0] = bytes;
        } else {
          k.mramWrites[0] = STREAM_DMAS;
          k.mramWriteBytes[0] = bytes;
        }
        double seconds = new CostModel(16, HardwareFigures.DPUS_PER_RANK).kernelCycles(k, 0) / HardwareFigures.DPU_HZ;
        return bytes / seconds / 1e6;
      }
      case HOST_TO_DPU_BW:
      case DPU_TO_HOST_BW: {
        boolean to = p.kind() == HardwareFigures.Kind.HOST_TO_DPU_BW;
        double us = CostModel.rankTransferUs(TRANSFER_BYTES, p.size(), to);
        return TRANSFER_BYTES * (double) p.size() / (us / 1e6) / 1e9;
      }
      default:
        throw new IllegalStateException("no prediction for " + p.kind());
    }
  }

  /** {max, median} |relative error| over the given rows. */
  static double[] error(List<Row> rows) {
    double[] e = rows.stream().mapToDouble(r -> Math.abs(r.relErr())).sorted().toArray();
    if (e.length == 0) {
      return new double[] {0, 0};
    }
    double median = e.length % 2 == 1 ? e[e.length / 2] : (e[e.length / 2 - 1] + e[e.length / 2]) / 2;
    return new double[] {Arrays.stream(e).max().orElse(0), median};
  }

  /** Rows whose point was not used to set a model constant: the only ones that test the model. */
  static List<Row> heldOut(List<Row> rows) {
    return rows.stream().filter(r -> !r.point().fitted()).toList();
  }
}
