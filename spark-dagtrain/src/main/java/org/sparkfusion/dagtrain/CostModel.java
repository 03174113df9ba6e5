package org.sparkfusion.dagtrain;

/**
 * Predicted times for pipeline plans of one graph on one cluster. A stage's time is the sum of its nodes'
 * forward+backward seconds per micro-batch on its executor (divided by the executor's speed) plus the executor's
 * work on the stage's messages: at each of its cuts it decodes one message and encodes one (activations in and
 * gradients out at its first cut, activations out and gradients in at its last), charged per float entry at the
 * executor's measured message cost ({@link ClusterProfile#messageSeconds}) plus a cost per message
 * ({@link ClusterProfile#messageFixedSeconds}); a link's time
 * is activations forward plus gradients backward over the measured bandwidth, plus latency both ways. The
 * GPipe step time is sum(stage and link times) + (M - 1) * max(stage and link times).
 */
final class CostModel {
  final Graph graph;
  final ClusterProfile cluster;
  final int microBatches;
  final int microBatchSize;
  final Compression compression;
  final double minFraction;
  final double[][] prefix;
  final long[] liveFloats;
  final long[] liveInts;
  final long[] memoryBudget;
  /** The micro-batch schedule: it decides how many micro-batches' activations each stage holds at its peak. */
  final Schedule schedule;
  private final long[] paramPrefix;
  private final long[] actPrefix;

  CostModel(Graph graph, ClusterProfile cluster, double[] nodeSeconds, int microBatches, int microBatchSize,
      Compression compression, double minFraction) {
    this(graph, cluster, nodeSeconds, microBatches, microBatchSize, compression, minFraction, Schedule.GPIPE);
  }

  CostModel(Graph graph, ClusterProfile cluster, double[] nodeSeconds, int microBatches, int microBatchSize,
      Compression compression, double minFraction, Schedule schedule) {
    this.schedule = schedule;
    this.graph = graph;
    this.cluster = cluster;
    this.microBatches = microBatches;
    this.microBatchSize = microBatchSize;
    this.compression = java.util.Objects.requireNonNull(compression, "compression");
    this.minFraction = minFraction;
    int n = graph.size();
    if (nodeSeconds.length != n) {
      throw new IllegalArgumentException("need one time per node: " + nodeSeconds.length + " for " + n);
    }
    prefix = new double[cluster.size()][n + 1];
    for (int e = 0; e < cluster.size(); e++) {
      for (int i = 0; i < n; i++) {
        prefix[e][i + 1] = prefix[e][i] + nodeSeconds[i] / cluster.speed[e];
      }
    }
    liveFloats = new long[n + 1];
    liveInts = new long[n + 1];
    for (int b = 0; b <= n; b++) {
      long[] l = Partition.liveElements(graph, b);
      liveFloats[b] = l[0] * microBatchSize;
      liveInts[b] = l[1] * microBatchSize;
    }
    memoryBudget = cluster.memory.clone();
    firstCut = Partition.firstCut(graph);
    paramPrefix = new long[n + 1];
    actPrefix = new long[n + 1];
    for (int i = 0; i < n; i++) {
      Node node = graph.nodes().get(i);
      paramPrefix[i + 1] = paramPrefix[i] + node.paramCount();
      actPrefix[i + 1] = actPrefix[i] + node.output().elements();
    }
  }

  /** Smallest allowed stage boundary: all graph inputs belong to the first stage, which reads the data. */
  final int firstCut;

  /** Predicted seconds per micro-batch of nodes [from, to) on the executor: compute plus message handling. */
  double stageSeconds(int from, int to, int executor) {
    return computeSeconds(from, to, executor) + messageSeconds(from, to, executor);
  }

  /** Forward+backward seconds per micro-batch of nodes [from, to) on the executor. */
  double computeSeconds(int from, int to, int executor) {
    return prefix[executor][to] - prefix[executor][from];
  }

  /**
   * Seconds per micro-batch the executor spends encoding, framing, checking and decoding the messages of a stage
   * of nodes [from, to): at each cut (not at the graph's start or end) one message of the live set each way.
   */
  double messageSeconds(int from, int to, int executor) {
    double perEntry = cluster.messageSeconds[executor];
    double perMessage = cluster.messageFixedSeconds[executor];
    if (perEntry == 0 && perMessage == 0) {
      return 0;
    }
    int cuts = (from > 0 && from < graph.size() ? 1 : 0) + (to > 0 && to < graph.size() ? 1 : 0);
    return perEntry * (cutEntries(from) + cutEntries(to)) + perMessage * 2 * cuts;
  }

  /**
   * Entries a stage handles at boundary b per micro-batch: the activations message (floats and ints) one way and the
   * gradients message (floats) the other; none at the graph's start or end.
   */
  long cutEntries(int b) {
    if (b <= 0 || b >= graph.size()) {
      return 0;
    }
    return 2 * liveFloats[b] + liveInts[b];
  }

  /** Micro-batches stage {@code stage} of {@code stages} holds at its peak under the schedule. */
  int held(int stage, int stages) {
    return schedule.maxInFlight(stage, stages, microBatches);
  }

  /** Peak bytes of nodes [from, to) as stage {@code stage} of {@code stages} (see {@link WorkloadEstimator}). */
  long stageMemoryBytes(int from, int to, int stage, int stages) {
    return WorkloadEstimator.memoryBytes(paramPrefix[to] - paramPrefix[from], actPrefix[to] - actPrefix[from],
        held(stage, stages), microBatchSize);
  }

  /** Whether nodes [from, to) fit the executor as stage {@code stage} of {@code stages}. */
  boolean fits(int from, int to, int executor, int stage, int stages) {
    return stageMemoryBytes(from, to, stage, stages) <= memoryBudget[executor];
  }

  /** Whether nodes [from, to) fit the executor in the most favourable position (the last stage under 1F1B). */
  boolean mayFit(int from, int to, int executor) {
    return fits(from, to, executor, 0, 1);
  }

  /** Bytes per float entry on the wire when a fraction {@code d} of entries is kept by top-k (fp16 + indices). */
  static double topkBytesPerEntry(double d) {
    return 2 * d + Math.min(1.5 * d, 0.125) + 0.0;
  }

  /**
   * Wire bytes per float entry at fraction {@code d} under this model's compression: the kept fraction for the fixed
   * settings, the wire fraction for AdaTopK (its encoding follows from it, {@link AdaptiveLadder}).
   */
  double bytesPerEntry(double d) {
    if (compression.adaptive()) {
      return 4 * Math.min(1, d);
    }
    if (compression instanceof Compression.Int8) {
      return 1;
    }
    if (compression instanceof Compression.RandomK) {
      return 2 * d;
    }
    if (compression instanceof Compression.None || d >= 1) {
      return 4;
    }
    return topkBytesPerEntry(d);
  }

  double fixedFraction() {
    return compression.fixedFraction();
  }

  /** Seconds for activations forward and gradients back across boundary b from executor e to f. */
  double linkSeconds(int b, int e, int f, double actFraction, double gradFraction) {
    if (e == f) {
      return 0;
    }
    double act = liveFloats[b] * bytesPerEntry(actFraction) + 4.0 * liveInts[b] + 64;
    double grad = liveFloats[b] * bytesPerEntry(gradFraction) + 64;
    return act / cluster.bandwidth[e][f] + cluster.latency[e][f] + grad / cluster.bandwidth[f][e] + cluster.latency[f][e];
  }

  /** Link seconds at the configured compression (for adatopk: dense). */
  double linkSeconds(int b, int e, int f) {
    double d = compression.fixedFraction();
    return linkSeconds(b, e, f, d, d);
  }

  /** AdaTopK link seconds with activations at wire fraction w (gradients as the ladder gives them). */
  double adaptiveSeconds(int b, int e, int f, double w) {
    return linkSeconds(b, e, f, w, AdaptiveLadder.gradientWire(w));
  }

  double minWire() {
    return AdaptiveLadder.minWire(minFraction);
  }

  /** AdaTopK at its most compressed: top-k at the minimum kept fraction. */
  double adaptiveMin(int b, int e, int f) {
    return adaptiveSeconds(b, e, f, minWire());
  }

  /** The link times of AdaTopK's fixed rungs, fp16 and int8 (candidate step caps for the planner). */
  double[] adaptiveRungs(int b, int e, int f) {
    return new double[] {adaptiveSeconds(b, e, f, AdaptiveLadder.FP16), adaptiveSeconds(b, e, f, AdaptiveLadder.INT8)};
  }

  /**
   * AdaTopK's choice for a link under a time cap: the least lossy rung whose link time fits the cap (fp32, fp16,
   * int8), otherwise the densest top-k that fits, never below the minimum fraction. Returns {activation wire
   * fraction, link seconds}.
   */
  double[] adaptiveChoice(int b, int e, int f, double cap) {
    for (double w : new double[] {1, AdaptiveLadder.FP16, AdaptiveLadder.INT8}) {
      double t = adaptiveSeconds(b, e, f, w);
      if (t <= cap) {
        return new double[] {w, t};
      }
    }
    double lo = minWire();
    if (adaptiveSeconds(b, e, f, lo) > cap) {
      return new double[] {lo, adaptiveSeconds(b, e, f, lo)};
    }
    double hi = AdaptiveLadder.INT8;
    for (int it = 0; it < 50; it++) {
      double mid = (lo + hi) / 2;
      if (adaptiveSeconds(b, e, f, mid) <= cap) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return new double[] {lo, adaptiveSeconds(b, e, f, lo)};
  }

  /** Link seconds under a cap as the DP sees it (adaptive: the least compression meeting the cap). */
  double linkUnderCap(int b, int e, int f, double cap) {
    if (!compression.adaptive()) {
      return linkSeconds(b, e, f);
    }
    return adaptiveChoice(b, e, f, cap)[1];
  }

  /** GPipe step time from the stage and link times. */
  double stepSeconds(double[] stageTimes, double[] linkTimes) {
    double sum = 0;
    double max = 0;
    for (double t : stageTimes) {
      sum += t;
      max = Math.max(max, t);
    }
    for (double t : linkTimes) {
      sum += t;
      max = Math.max(max, t);
    }
    return sum + (microBatches - 1) * max;
  }
}
