package org.sparkfusion.dagtrain;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Per-operator workload: FLOPs, output (activation) and parameter bytes from shapes, and seconds per
 * micro-batch for forward plus backward, either from FLOPs at a given speed or calibrated by timing each op
 * on this JVM.
 */
final class WorkloadEstimator {
  private WorkloadEstimator() {}

  /** Forward plus backward FLOPs of each node for one micro-batch (backward counted as twice forward). */
  static double[] flops(Graph g, int microBatchSize) {
    double[] f = new double[g.size()];
    List<Node> nodes = g.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      TensorType[] in = inputTypes(g, n);
      f[i] = 3.0 * n.op().flops(in, n.output()) * microBatchSize;
    }
    return f;
  }

  static TensorType[] inputTypes(Graph g, Node n) {
    TensorType[] in = new TensorType[n.inputs().size()];
    for (int k = 0; k < in.length; k++) {
      in[k] = g.node(n.inputs().get(k)).output();
    }
    return in;
  }

  /** Seconds per node and micro-batch at {@code flopsPerSecond}. */
  static double[] secondsFromFlops(Graph g, int microBatchSize, double flopsPerSecond) {
    double[] f = flops(g, microBatchSize);
    for (int i = 0; i < f.length; i++) {
      f[i] = f[i] / flopsPerSecond + 2e-6;
    }
    return f;
  }

  /**
   * Times forward and backward of every node on one micro-batch of random data on this JVM (best of
   * {@code repeats}), in seconds.
   */
  static double[] calibrate(Graph g, int microBatchSize, int repeats, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Map<String, Tensor> values = new HashMap<>();
    double[] seconds = new double[g.size()];
    List<Node> nodes = g.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      if (n.isInput()) {
        values.put(n.name(), randomValues(g, n, microBatchSize, r));
        continue;
      }
      Tensor[] args = n.inputs().stream().map(values::get).toArray(Tensor[]::new);
      Tensor[] p = new Tensor[n.params().length];
      Tensor[] gp = new Tensor[p.length];
      for (int k = 0; k < p.length; k++) {
        p[k] = n.params()[k].initialise(seed, n.name());
        gp[k] = p[k].zerosLike();
      }
      Tensor[] gin = new Tensor[args.length];
      for (int k = 0; k < args.length; k++) {
        gin[k] = g.node(n.inputs().get(k)).output().dtype() == DType.FLOAT ? args[k].zerosLike() : null;
      }
      double best = Double.MAX_VALUE;
      Tensor out = null;
      for (int rep = 0; rep < Math.max(1, repeats); rep++) {
        long t0 = System.nanoTime();
        OpCache cache = new OpCache();
        out = n.op().forward(args, p, cache, new RunContext(seed, 0, 0, true), n.name());
        Tensor grad = out.zerosLike();
        java.util.Arrays.fill(grad.data, 1e-3);
        n.op().backward(grad, args, p, cache, gin, gp);
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
      }
      seconds[i] = best;
      values.put(n.name(), out);
    }
    return seconds;
  }

  /**
   * Sustained seconds per forward+backward pass of the whole graph on one micro-batch: passes repeated for at
   * least {@code minSeconds} of wall clock, total wall time over passes. Unlike the best-of-n op times this sees
   * a CPU quota (a cgroup lets short bursts run at full speed, then throttles) and other processes sharing the
   * cores, so comparing it across executors gives their relative speeds.
   */
  static double sustainedPassSeconds(Graph g, int microBatchSize, long seed, double minSeconds) {
    calibrate(g, microBatchSize, 1, seed); // warm-up
    long t0 = System.nanoTime();
    int passes = 0;
    double elapsed;
    do {
      calibrate(g, microBatchSize, 1, seed);
      passes++;
      elapsed = (System.nanoTime() - t0) / 1e9;
    } while (elapsed < minSeconds || passes < 2);
    return elapsed / passes;
  }

  /**
   * A micro-batch of random values for node {@code n}'s output: uniform in [-1, 1) for floats, valid indices (below
   * the vocabulary or class count of the ops reading it) for ints.
   */
  static Tensor randomValues(Graph g, Node n, int microBatchSize, SplittableRandom r) {
    Tensor t = Tensor.zeros(Op.batchShape(microBatchSize, n.output().shape()));
    int bound = labelBound(g, n);
    for (int k = 0; k < t.size(); k++) {
      t.data[k] = n.output().dtype() == DType.INT ? r.nextInt(bound) : r.nextDouble(-1, 1);
    }
    return t;
  }

  private static int labelBound(Graph g, Node input) {
    int bound = Integer.MAX_VALUE;
    for (Node n : g.nodes()) {
      for (int k = 0; k < n.inputs().size(); k++) {
        if (n.inputs().get(k).equals(input.name())) {
          if (n.op() instanceof EmbeddingOp e) {
            bound = Math.min(bound, e.vocab);
          } else if (n.op() instanceof SoftmaxCrossEntropyOp) {
            bound = Math.min(bound, g.node(n.inputs().get(0)).output().last());
          }
        }
      }
    }
    return bound == Integer.MAX_VALUE ? 2 : bound;
  }

  /**
   * Bytes a stage holds: parameters with gradients and Adam moments, plus the activations (and op caches) of
   * {@code heldMicroBatches} in-flight micro-batches (all M under GPipe; see {@link Schedule#maxInFlight}).
   */
  static long stageMemoryBytes(Graph g, int from, int to, int heldMicroBatches, int microBatchSize) {
    long params = 0;
    long acts = 0;
    for (int i = from; i < to; i++) {
      Node n = g.nodes().get(i);
      params += n.paramCount();
      acts += n.output().elements();
    }
    return memoryBytes(params, acts, heldMicroBatches, microBatchSize);
  }

  /** The memory formula: {@code params} parameters and {@code acts} activation elements per sample. */
  static long memoryBytes(long params, long acts, int heldMicroBatches, int microBatchSize) {
    return 8L * (4 * params + 2L * acts * heldMicroBatches * microBatchSize);
  }
}
