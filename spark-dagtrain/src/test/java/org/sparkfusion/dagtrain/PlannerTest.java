package org.sparkfusion.dagtrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlannerTest {

  private static ClusterProfile randomCluster(SplittableRandom r, int p) {
    ClusterProfile c = ClusterProfile.uniform(p, 1e9, 1e-4, 1L << 40);
    for (int i = 0; i < p; i++) {
      for (int j = i + 1; j < p; j++) {
        c = c.withLink(i, j, Math.pow(10, r.nextDouble(6.5, 9.5)), r.nextDouble(1e-4, 2e-2));
      }
      c = c.withSpeed(i, r.nextDouble(0.5, 2));
    }
    return c;
  }

  private static double[] randomTimes(SplittableRandom r, int n) {
    double[] t = new double[n];
    for (int i = 0; i < n; i++) {
      t[i] = r.nextDouble(1e-4, 2e-2);
    }
    return t;
  }

  /** Exhaustive search over cuts and increasing executor sequences along the chain, either direction. */
  private static double bruteForce(CostModel m, int minK, int maxK) {
    int n = m.graph.size();
    int p = m.cluster.size();
    int[] chain = m.cluster.chain();
    double best = Double.POSITIVE_INFINITY;
    for (int dir = 0; dir < 2; dir++) {
      int[] order = new int[p];
      for (int i = 0; i < p; i++) {
        order[i] = dir == 0 ? chain[i] : chain[p - 1 - i];
      }
      for (int mask = 0; mask < (1 << (n - 1)); mask++) {
        int k = Integer.bitCount(mask) + 1;
        if (k < minK || k > maxK) {
          continue;
        }
        int[] bounds = new int[k + 1];
        int j = 1;
        for (int b = 1; b < n; b++) {
          if ((mask & (1 << (b - 1))) != 0) {
            bounds[j++] = b;
          }
        }
        bounds[k] = n;
        if (k > 1 && bounds[1] < m.firstCut) {
          continue;
        }
        for (int emask = 0; emask < (1 << p); emask++) {
          if (Integer.bitCount(emask) != k) {
            continue;
          }
          int[] execs = new int[k];
          int q = 0;
          for (int i = 0; i < p; i++) {
            if ((emask & (1 << i)) != 0) {
              execs[q++] = order[i];
            }
          }
          double[] st = new double[k];
          boolean fits = true;
          for (int s = 0; s < k; s++) {
            st[s] = m.stageSeconds(bounds[s], bounds[s + 1], execs[s]);
            fits &= m.fits(bounds[s], bounds[s + 1], execs[s]);
          }
          if (!fits) {
            continue;
          }
          double[] lt = new double[k - 1];
          for (int s = 0; s + 1 < k; s++) {
            lt[s] = m.linkSeconds(bounds[s + 1], execs[s], execs[s + 1]);
          }
          best = Math.min(best, m.stepSeconds(st, lt));
        }
      }
    }
    return best;
  }

  private void checkAgainstBruteForce(long seed, String compression, int minK) {
    SplittableRandom r = new SplittableRandom(seed);
    Graph g = Synthetic.model(6, 3, 32);
    ClusterProfile c = randomCluster(r, 3 + (int) (seed % 2));
    CostModel m = new CostModel(g, c, randomTimes(r, g.size()), 4, 16, compression, 0.1);
    Plan plan = Planner.opFence(m, minK, c.size());
    double brute = bruteForce(m, minK, c.size());
    assertThat(plan.predictedStepSeconds()).as("seed %d", seed).isCloseTo(brute, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test void dpMatchesBruteForceWithoutCompression() {
    for (long seed = 1; seed <= 12; seed++) {
      checkAgainstBruteForce(seed, "none", 1);
    }
  }

  @Test void dpMatchesBruteForceWithTopKAndAMinimumStageCount() {
    for (long seed = 20; seed <= 30; seed++) {
      checkAgainstBruteForce(seed, "topk:0.2", 2);
    }
  }

  @Test void inputsAlwaysStayInTheFirstStage() {
    Graph g = Synthetic.model(6, 3, 32);
    double[] t = new double[g.size()];
    java.util.Arrays.fill(t, 1e-3);
    t[0] = 0.5;
    CostModel m = new CostModel(g, ClusterProfile.uniform(3, 1e10, 1e-6, 1L << 40), t, 4, 8, "none", 0.1);
    Plan p = Planner.opFence(m, 3, 3);
    assertThat(p.boundaries()[1]).isGreaterThanOrEqualTo(2);
    assertThat(Partition.even(g, 3)[1]).isGreaterThanOrEqualTo(2);
  }

  @Test void clustersSeparateSitesBySlowLinks() {
    ClusterProfile c = ClusterProfile.uniform(4, 10e9, 1e-4, 1L << 30).withLink(0, 2, 8e6, 0.02).withLink(0, 3, 8e6, 0.02)
        .withLink(1, 2, 8e6, 0.02).withLink(1, 3, 8e6, 0.02);
    assertThat(c.clusters()).containsExactlyInAnyOrder(List.of(0, 1), List.of(2, 3));
  }

  @Test void slowLinksAndSmallModelGiveOneStageNotSlowerThanOneProcess() {
    Graph g = Models.gptTiny(16, 32, 2, 2, 0);
    Plan p = Plan.plan(g, ClusterProfile.uniform(3, 8e6, 0.02, 1L << 32), "opfence", "none", 4, 8, 2e9);
    assertThat(p.stageCount()).isEqualTo(1);
    assertThat(p.predictedStepSeconds()).isLessThanOrEqualTo(p.predictedSingleProcessSeconds());
  }

  @Test void adaTopKKeepsMoreOnFastLinksThanOnSlowOnes() {
    Graph g = Models.gptTiny(16, 32, 2, 2, 0);
    double[] t = WorkloadEstimator.secondsFromFlops(g, 8, 1e9);
    ClusterProfile fast = ClusterProfile.uniform(3, 1e9, 1e-4, 1L << 32);
    ClusterProfile slow = ClusterProfile.uniform(3, 8e6, 1e-3, 1L << 32);
    Plan pf = Planner.opFence(new CostModel(g, fast, t, 4, 8, "adatopk", 0.1), 3, 3);
    Plan ps = Planner.opFence(new CostModel(g, slow, t, 4, 8, "adatopk", 0.1), 3, 3);
    assertThat(pf.links.get(0).activationFraction()).isGreaterThan(ps.links.get(0).activationFraction());
    assertThat(ps.links.get(0).activationFraction()).isGreaterThanOrEqualTo(0.1);
  }

  @Test void modelTooLargeForTheExecutorsIsReportedBeforeTraining() {
    Graph g = Models.gptTiny();
    assertThatThrownBy(() -> Plan.plan(g, ClusterProfile.uniform(2, 1e9, 1e-4, 100_000), "opfence", "none", 4, 8, 1e9))
        .hasMessageContaining("does not fit the executors").hasMessageContaining("MB");
  }

  @Test void explainNamesStagesExecutorsAndPredictedTimes(@TempDir Path dir) throws Exception {
    Graph g = Models.resnetSmall();
    Plan p = Plan.plan(g, ClusterProfile.uniform(2, 10e9, 1e-4, 1L << 32), "even", "none", 4, 8, 1e9);
    assertThat(p.explain()).contains("stage 0 on executor-0").contains("stage 1 on executor-1").contains("link 0->1")
        .contains("predicted step");
    Path png = dir.resolve("schedule.png");
    p.writeSchedulePng(png);
    assertThat(Files.size(png)).isGreaterThan(1000);
    assertThat(Plan.fromJson(p.toJson(), g).boundaries()).isEqualTo(p.boundaries());
  }
}
