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
            fits &= m.fits(bounds[s], bounds[s + 1], execs[s], s, k);
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

  /**
   * Memory follows the schedule: with M = 8 micro-batches on 2 executors, GPipe holds 8 on both stages, 1F1B 2 on
   * the first and 1 on the last. A budget between the two is accepted under 1F1B and refused under GPipe.
   */
  @Test void memoryCheckFollowsTheSchedule() throws Exception {
    Graph g = Models.gptTiny(16, 32, 2, 2, 0);
    double[] t = WorkloadEstimator.secondsFromFlops(g, 8, 1e9);
    int[] cuts = Partition.even(g, 2);
    long oneF1B = Math.max(WorkloadEstimator.stageMemoryBytes(g, cuts[0], cuts[1], 2, 8),
        WorkloadEstimator.stageMemoryBytes(g, cuts[1], cuts[2], 1, 8));
    long gpipeWhole = WorkloadEstimator.stageMemoryBytes(g, 0, g.size(), 8, 8);
    assertThat(2 * oneF1B).as("budget must be below half of GPipe's whole-model need").isLessThan(gpipeWhole);
    ClusterProfile c = ClusterProfile.uniform(2, 1e9, 1e-4, oneF1B);
    for (String planner : List.of("opfence", "even")) {
      Plan p = planner.equals("even") ? Planner.even(new CostModel(g, c, t, 8, 8, "none", 0.1, Schedule.ONE_F_ONE_B), 2)
          : Planner.opFence(new CostModel(g, c, t, 8, 8, "none", 0.1, Schedule.ONE_F_ONE_B), 1, 2);
      assertThat(p.stageCount()).as(planner).isEqualTo(2);
      assertThat(p.stages.get(0).held()).isEqualTo(2);
      assertThat(p.stages.get(1).held()).isEqualTo(1);
      for (Plan.StagePlan s : p.stages) {
        assertThat(s.memoryBytes()).isLessThanOrEqualTo(oneF1B)
            .isEqualTo(WorkloadEstimator.stageMemoryBytes(g, s.from(), s.to(), s.held(), 8));
      }
      assertThat(p.explain()).contains("schedule 1F1B").contains("min(M, S - s)").contains("(2 micro-batch(es) held)");
      assertThat(Plan.fromJson(p.toJson(), g).schedule).isEqualTo(Schedule.ONE_F_ONE_B);
    }
    CostModel gpipe = new CostModel(g, c, t, 8, 8, "none", 0.1, Schedule.GPIPE);
    assertThatThrownBy(() -> Planner.opFence(gpipe, 1, 2)).hasMessageContaining("does not fit the executors")
        .hasMessageContaining("under GPipe").hasMessageContaining("1f1b");
    assertThatThrownBy(() -> Planner.even(gpipe, 2)).hasMessageContaining("does not fit the executors");
    assertThat(Plan.plan(g, ClusterProfile.uniform(2, 1e9, 1e-4, 1L << 40), "even", "none", 8, 8, 1e9).explain())
        .contains("schedule GPipe").contains("(8 micro-batch(es) held)");
  }

  /** The DP stays exact with 1F1B's position-dependent memory: against brute force under a tight budget. */
  @Test void dpMatchesBruteForceUnder1F1BMemory() {
    for (long seed = 40; seed <= 47; seed++) {
      SplittableRandom r = new SplittableRandom(seed);
      Graph g = Synthetic.model(6, 3, 32);
      ClusterProfile c = randomCluster(r, 3);
      // Below one micro-batch of the whole model: one process does not fit, and position matters for the rest.
      long budget = (long) (0.7 * WorkloadEstimator.stageMemoryBytes(g, 0, g.size(), 1, 16));
      c = new ClusterProfile(c.executors, c.bandwidth, c.latency, new long[] {budget, budget, budget}, c.speed);
      CostModel m = new CostModel(g, c, randomTimes(r, g.size()), 4, 16, "none", 0.1, Schedule.ONE_F_ONE_B);
      Plan plan = Planner.opFence(m, 1, 3);
      assertThat(plan.stageCount()).isGreaterThan(1);
      assertThat(plan.predictedStepSeconds()).as("seed %d", seed)
          .isCloseTo(bruteForce(m, 1, 3), org.assertj.core.data.Offset.offset(1e-12));
    }
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
