package org.sparkfusion.dagtrain;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Runs a stage's ops forward and backward on random micro-batches through a throwaway {@link StageRunner} after
 * planning and before the first step. In a reused executor JVM the ops of a new plan meet the JIT's profile of the
 * previous one and get recompiled; without this the first steps pay for it (on the testbed the executor logs showed
 * 80-385 ms of compilation within steps 0-6 of a fit, with the compute thread descheduled meanwhile). It touches no
 * state of the training run: own parameters, own random inputs, no optimizer step.
 */
final class StageWarmUp {
  private StageWarmUp() { }

  /** Passes over nodes [from, to) until {@code minSeconds} of wall clock (at least one, at most {@code maxPasses}). */
  static int run(Graph graph, int from, int to, int microBatchSize, long seed, double minSeconds, int maxPasses) {
    StageRunner runner = new StageRunner(graph, from, to, seed);
    SplittableRandom r = new SplittableRandom(seed);
    Map<String, Tensor> in = new HashMap<>();
    for (String name : Partition.liveAt(graph, from)) {
      in.put(name, WorkloadEstimator.randomValues(graph, graph.node(name), microBatchSize, r));
    }
    for (int i = from; i < to; i++) {
      Node n = graph.nodes().get(i);
      if (n.isInput()) {
        in.put(n.name(), WorkloadEstimator.randomValues(graph, n, microBatchSize, r));
      }
    }
    long start = System.nanoTime();
    int passes = 0;
    while (passes < maxPasses && (passes == 0 || System.nanoTime() - start < minSeconds * 1e9)) {
      Map<String, Tensor> out = runner.forward(in, new RunContext(seed, 0, 0, true));
      Map<String, Tensor> gradOut = new HashMap<>();
      for (Map.Entry<String, Tensor> e : out.entrySet()) {
        Tensor g = e.getValue().zerosLike();
        for (int k = 0; k < g.data.length; k++) {
          g.data[k] = r.nextDouble(-1e-3, 1e-3);
        }
        gradOut.put(e.getKey(), g);
      }
      runner.backward(0, gradOut, 1.0);
      passes++;
    }
    return passes;
  }
}
