package org.sparkfusion.upmem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SmallPartsTest {

  @Test
  void zipfHeadFrequencyMatchesTheDistribution() {
    ZipfSampler z = new ZipfSampler(1000, 1.2, 3);
    double h = 0;
    for (int k = 1; k <= 1000; k++) {
      h += Math.pow(k, -1.2);
    }
    SplittableRandom r = new SplittableRandom(1);
    int n = 200_000;
    int first = 0;
    int second = 0;
    for (int i = 0; i < n; i++) {
      long rank = z.rank(r);
      first += rank == 1 ? 1 : 0;
      second += rank == 2 ? 1 : 0;
    }
    assertThat(first / (double) n).isCloseTo(1 / h, org.assertj.core.data.Offset.offset(0.005));
    assertThat(second / (double) n).isCloseTo(Math.pow(2, -1.2) / h, org.assertj.core.data.Offset.offset(0.005));
  }

  @Test
  void zipfRowIdsArePermutedRanks() {
    ZipfSampler z = new ZipfSampler(97, 1.05, 5);
    boolean[] seen = new boolean[97];
    for (long rank = 1; rank <= 97; rank++) {
      int row = z.rowOf(rank);
      assertThat(seen[row]).isFalse();
      seen[row] = true;
    }
  }

  @Test
  void autoScaleIsThePowerOfTwoThatKeepsWeightsWithin2To29() {
    FixedPoint fp = FixedPoint.of("auto", 0.75);
    assertThat(Math.getExponent(fp.scale)).isEqualTo(29);
    assertThat(fp.scale).isEqualTo(Math.scalb(1.0, 29));
    assertThat(0.75 * fp.scale).isLessThanOrEqualTo(FixedPoint.Q_LIMIT).isGreaterThan(FixedPoint.Q_LIMIT / 2);
    assertThat(fp.quantize(0.75f)).isEqualTo((int) (0.75 * (1 << 29)));
  }

  @Test
  void explicitScaleThatOverflowsIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> FixedPoint.of("1e12", 0.5)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spark.sparkfusion.upmem.fixedPointScale=1e12");
    assertThatThrownBy(() -> FixedPoint.of("lots", 0.5)).hasMessageContaining("neither 'auto' nor a number");
  }

  @Test
  void costModelFollowsThePublishedFigures() {
    KernelCounts k = new KernelCounts(2);
    k.mramReads[1] = 100;
    k.mramReadBytes[1] = 100 * 64;
    k.mramWrites[1] = 10;
    k.mramWriteBytes[1] = 10 * 128;
    k.instructions[1] = 1000;
    CostModel m = new CostModel(16, 64);
    double dmaCycles = 100 * 77 + 10 * 61 + (6400 + 1280) * 0.5;
    assertThat(m.kernelCycles(k, 1)).isEqualTo(dmaCycles);
    CostModel.Latency l = m.batch(k, 1000, 2000, 0);
    assertThat(l.kernelUs).isCloseTo(dmaCycles / 350.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(l.slowestDpu).isEqualTo(1);
    // two DPUs of a rank: the published 1-DPU figure scaled by the power law through the 64-DPU rank figure
    double exp = Math.log(6.68 / 0.33) / Math.log(64);
    assertThat(l.hostToDpuUs).isCloseTo(1000.0 * 2 / (0.33e9 * Math.pow(2, exp)) * 1e6,
        org.assertj.core.data.Offset.offset(1e-9));
    assertThat(l.launchUs).isEqualTo(HardwareFigures.LAUNCH_OVERHEAD_US_ASSUMED);
    assertThat(l.dpuSideUs()).isCloseTo(l.hostToDpuUs + l.kernelUs + l.dpuToHostUs + l.launchUs,
        org.assertj.core.data.Offset.offset(1e-9));
    assertThat(new CostModel(16, 64).batch(forRank(), 1000, 2000, 0).hostToDpuUs)
        .isCloseTo(1000.0 * 64 / 6.68e9 * 1e6, org.assertj.core.data.Offset.offset(1e-9));
    // 4 tasklets cannot fill the pipeline: issue-bound at 11/4 cycles per instruction
    k.instructions[1] = 100_000;
    assertThat(new CostModel(4, 64).kernelCycles(k, 1)).isEqualTo(100_000 * 11 / 4.0);
  }

  private static KernelCounts forRank() {
    return new KernelCounts(64);
  }

  @Test
  void tableSpecsAreParsedAndCheckedWithTheEntryNamed() {
    assertThat(TableShapes.parse("10x4, 20x4").rows).containsExactly(10, 20);
    assertThatThrownBy(() -> TableShapes.parse("10x4,20x8")).hasMessageContaining("entry 1 has 8");
    assertThatThrownBy(() -> TableShapes.parse("10by4")).hasMessageContaining("'10by4' is not ROWSxDIM");
  }
}
