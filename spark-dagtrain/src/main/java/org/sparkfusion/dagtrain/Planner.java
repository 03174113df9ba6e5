package org.sparkfusion.dagtrain;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * OP-Fence planning: order executors by bandwidth clusters ({@link ClusterProfile#chains()}: the clusters' chain,
 * members of a cluster in every order), then choose contiguous cuts of the topological node order and an increasing
 * sequence of executors along one of these orders (either direction) minimising the predicted GPipe step time, with every stage fitting its executor's memory at
 * the schedule's peak (all M micro-batches under GPipe, min(M, S - s) for stage s of S under 1F1B). Exact for
 * that objective: for every candidate bottleneck value c (a stage or link time), a DP over (boundary, executor,
 * stage count) finds the least sum of stage and link times with every term at most c; the answer is the best
 * sum + (M - 1) c.
 */
final class Planner {
  private static final double INF = Double.POSITIVE_INFINITY;

  private Planner() {}

  static Plan opFence(CostModel m, int minStages, int maxStages) {
    return opFence(m, minStages, maxStages, -1);
  }

  /** As above; with {@code firstExecutor >= 0} the first stage (which reads the data) must run there. */
  static Plan opFence(CostModel m, int minStages, int maxStages, int firstExecutor) {
    int p = m.cluster.size();
    int maxK = Math.min(Math.min(maxStages, p), m.graph.size());
    if (minStages < 1 || minStages > maxK) {
      throw new IllegalArgumentException("cannot plan between " + minStages + " and " + maxStages + " stages on " + p
          + " executors for " + m.graph.size() + " nodes");
    }
    Candidate best = null;
    for (int[] order : orders(m.cluster)) {
      Candidate c = search(m, order, minStages, maxK, best == null ? INF : best.value, firstExecutor);
      if (c != null && (best == null || c.value < best.value - 1e-15)) {
        best = c;
      }
    }
    if (best == null) {
      throw new IllegalStateException(memoryMessage(m, minStages));
    }
    return build(m, PlannerChoice.OPFENCE, best.boundaries, best.executors, best.cap);
  }

  /** Every order of {@link ClusterProfile#chains()}, forwards and backwards, without repeats. */
  static List<int[]> orders(ClusterProfile cluster) {
    java.util.Map<String, int[]> out = new java.util.LinkedHashMap<>();
    for (int[] chain : cluster.chains()) {
      int p = chain.length;
      int[] reversed = new int[p];
      for (int i = 0; i < p; i++) {
        reversed[i] = chain[p - 1 - i];
      }
      out.putIfAbsent(java.util.Arrays.toString(chain), chain);
      out.putIfAbsent(java.util.Arrays.toString(reversed), reversed);
    }
    return new ArrayList<>(out.values());
  }

  static String memoryMessage(CostModel m, int minStages) {
    long largest = 0;
    long sum = 0;
    for (long b : m.memoryBudget) {
      largest = Math.max(largest, b);
      sum += b;
    }
    String need;
    if (m.schedule == Schedule.GPIPE) {
      need = String.format("it needs about %.1f MB (parameters, gradients, optimizer state and, under GPipe, %d in-flight"
          + " micro-batches of %d on every stage)", m.stageMemoryBytes(0, m.graph.size(), 0, 1) / 1e6, m.microBatches,
          m.microBatchSize);
    } else {
      need = String.format("it needs at least %.1f MB (parameters, gradients, optimizer state and, under 1F1B, stage s"
          + " of S holding min(%d, S - s) in-flight micro-batches of %d: at least one each)",
          m.stageMemoryBytes(0, m.graph.size(), 0, 1) / 1e6, m.microBatches, m.microBatchSize);
    }
    return String.format("the model does not fit the executors: %s, the largest executor offers %.1f MB and all %d"
        + " together %.1f MB (at least %d stages requested); add executors or memory, or lower micro-batches%s",
        need, largest / 1e6, m.memoryBudget.length, sum / 1e6, minStages,
        m.schedule == Schedule.GPIPE ? ", or use the 1f1b schedule" : "");
  }

  private record Candidate(double value, int[] boundaries, int[] executors, double cap) { }

  private static Candidate search(CostModel m, int[] order, int minK, int maxK, double bestSoFar, int first) {
    int n = m.graph.size();
    int p = order.length;
    TreeSet<Double> caps = new TreeSet<>();
    for (int a = 0; a < n; a++) {
      for (int b = a + 1; b <= n; b++) {
        for (int e = 0; e < p; e++) {
          if (m.mayFit(a, b, order[e])) {
            caps.add(m.stageSeconds(a, b, order[e]));
          }
        }
      }
    }
    for (int b = 1; b < n; b++) {
      for (int i = 0; i < p; i++) {
        for (int j = i + 1; j < p; j++) {
          int e = order[i];
          int f = order[j];
          caps.add(m.linkSeconds(b, e, f));
          if (m.compression.adaptive()) {
            caps.add(m.adaptiveMin(b, e, f));
            for (double t : m.adaptiveRungs(b, e, f)) {
              caps.add(t);
            }
          }
        }
      }
    }
    Candidate best = null;
    double bestValue = bestSoFar;
    for (double cap : caps) {
      if ((m.microBatches - 1) * cap >= bestValue) {
        break;
      }
      // Under GPipe a stage's memory does not depend on its position; under 1F1B stage s of S holds min(M, S - s)
      // micro-batches, so the DP runs once per stage count S, each stage checked at its position.
      List<Candidate> cs = new ArrayList<>();
      if (m.schedule == Schedule.GPIPE) {
        cs.add(dp(m, order, minK, maxK, cap, first, 0));
      } else {
        for (int k = minK; k <= maxK; k++) {
          cs.add(dp(m, order, k, k, cap, first, k));
        }
      }
      for (Candidate c : cs) {
        if (c != null && c.value < bestValue) {
          bestValue = c.value;
          best = c;
        }
      }
    }
    return best;
  }

  /**
   * Least sum of stage and link times with each at most cap; null if infeasible. {@code stages} > 0 fixes the stage
   * count the memory check assumes (1F1B); 0 means memory does not depend on the stage's position (GPipe).
   */
  private static Candidate dp(CostModel m, int[] order, int minK, int maxK, double cap, int first, int stages) {
    int n = m.graph.size();
    int p = order.length;
    double[][][] dp = new double[n + 1][p][maxK + 1];
    int[][][] prevB = new int[n + 1][p][maxK + 1];
    int[][][] prevE = new int[n + 1][p][maxK + 1];
    for (double[][] a : dp) {
      for (double[] b : a) {
        java.util.Arrays.fill(b, INF);
      }
    }
    for (int b = 1; b <= n; b++) {
      for (int e = 0; e < p; e++) {
        double t = m.stageSeconds(0, b, order[e]);
        if (t <= cap && m.fits(0, b, order[e], 0, Math.max(1, stages)) && (first < 0 || order[e] == first)) {
          dp[b][e][1] = t;
          prevB[b][e][1] = -1;
        }
        for (int a = Math.max(1, m.firstCut); a < b; a++) {
          double ts = m.stageSeconds(a, b, order[e]);
          if (ts > cap || !m.mayFit(a, b, order[e])) {
            continue;
          }
          for (int q = 0; q < e; q++) {
            double link = m.linkUnderCap(a, order[q], order[e], cap);
            if (link > cap) {
              continue;
            }
            for (int k = 1; k < maxK; k++) {
              double prev = dp[a][q][k];
              if (prev == INF || stages > 0 && !m.fits(a, b, order[e], k, stages)) {
                continue;
              }
              double v = prev + link + ts;
              if (v < dp[b][e][k + 1]) {
                dp[b][e][k + 1] = v;
                prevB[b][e][k + 1] = a;
                prevE[b][e][k + 1] = q;
              }
            }
          }
        }
      }
    }
    double best = INF;
    int be = -1;
    int bk = -1;
    for (int e = 0; e < p; e++) {
      for (int k = minK; k <= maxK; k++) {
        if (dp[n][e][k] < best) {
          best = dp[n][e][k];
          be = e;
          bk = k;
        }
      }
    }
    if (be < 0) {
      return null;
    }
    int[] bounds = new int[bk + 1];
    int[] execs = new int[bk];
    int b = n;
    int e = be;
    for (int k = bk; k >= 1; k--) {
      bounds[k] = b;
      execs[k - 1] = order[e];
      int a = prevB[b][e][k];
      int q = prevE[b][e][k];
      b = Math.max(a, 0);
      e = q;
    }
    bounds[0] = 0;
    return new Candidate(best + (m.microBatches - 1) * cap, bounds, execs, cap);
  }

  /** The even baseline: equal node counts per stage, stage i on executor i. */
  static Plan even(CostModel m, int stages) {
    int[] execs = new int[stages];
    for (int i = 0; i < stages; i++) {
      execs[i] = i;
    }
    return even(m, stages, execs);
  }

  /** The even baseline with stage i on executor {@code execs[i]}. */
  static Plan even(CostModel m, int stages, int[] execs) {
    if (stages > m.cluster.size()) {
      throw new IllegalArgumentException(stages + " stages need " + stages + " executors, have " + m.cluster.size());
    }
    int[] bounds = Partition.even(m.graph, stages);
    for (int s = 0; s < stages; s++) {
      if (!m.fits(bounds[s], bounds[s + 1], execs[s], s, stages)) {
        throw new IllegalStateException(memoryMessage(m, stages));
      }
    }
    return build(m, PlannerChoice.EVEN, bounds, execs, maxStage(m, bounds, execs));
  }

  static double maxStage(CostModel m, int[] bounds, int[] execs) {
    double max = 0;
    for (int s = 0; s < execs.length; s++) {
      max = Math.max(max, m.stageSeconds(bounds[s], bounds[s + 1], execs[s]));
    }
    return max;
  }

  /** Predicted times of a given placement; AdaTopK links get the least compression that meets {@code cap}. */
  static Plan build(CostModel m, PlannerChoice planner, int[] bounds, int[] execs, double cap) {
    int k = execs.length;
    List<Plan.StagePlan> stages = new ArrayList<>();
    double[] stageTimes = new double[k];
    for (int s = 0; s < k; s++) {
      stageTimes[s] = m.stageSeconds(bounds[s], bounds[s + 1], execs[s]);
      List<String> names = new ArrayList<>();
      for (int i = bounds[s]; i < bounds[s + 1]; i++) {
        names.add(m.graph.nodes().get(i).name());
      }
      stages.add(new Plan.StagePlan(s, bounds[s], bounds[s + 1], names, execs[s], m.cluster.executors[execs[s]],
          stageTimes[s], m.stageMemoryBytes(bounds[s], bounds[s + 1], s, k), m.held(s, k),
          m.messageSeconds(bounds[s], bounds[s + 1], execs[s])));
    }
    double[] linkTimes = new double[Math.max(0, k - 1)];
    List<Plan.LinkPlan> links = new ArrayList<>();
    for (int s = 0; s + 1 < k; s++) {
      int e = execs[s];
      int f = execs[s + 1];
      double act;
      double grad;
      if (m.compression.adaptive()) {
        act = m.adaptiveChoice(bounds[s + 1], e, f, Math.max(cap, maxStage(m, bounds, execs)))[0];
        grad = AdaptiveLadder.gradientWire(act);
      } else if (m.compression instanceof Compression.None || m.compression instanceof Compression.Int8) {
        act = 1;
        grad = 1;
      } else {
        act = m.fixedFraction();
        grad = act;
      }
      linkTimes[s] = m.linkSeconds(bounds[s + 1], e, f, act, grad);
      links.add(new Plan.LinkPlan(s, s + 1, m.cluster.executors[e], m.cluster.executors[f], m.cluster.bandwidth[e][f],
          m.cluster.latency[e][f], m.liveFloats[bounds[s + 1]] / m.microBatchSize, act, grad, linkTimes[s]));
    }
    double single = INF;
    for (int e = 0; e < m.cluster.size(); e++) {
      single = Math.min(single, m.microBatches * m.stageSeconds(0, m.graph.size(), e));
    }
    return new Plan(planner, m.compression, m.schedule, m.microBatches, m.microBatchSize, stages, links,
        m.stepSeconds(stageTimes, linkTimes), single, m.cluster.clusters(), m.cluster.executors);
  }
}
