package org.sparkfusion.dagtrain;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkfusion.dagtrain.transport.InMemoryTransport;

/**
 * Trains a graph in one JVM, one thread per stage, joined by {@link InMemoryTransport}. With one stage this is
 * the single-process reference; with several it exercises the same stage, schedule and wire code as the
 * Spark runtime, which only swaps the transport.
 */
final class InProcessPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(InProcessPipeline.class);

  private InProcessPipeline() {}

  static TrainResult train(Graph graph, int[] boundaries, TrainOptions o, MicroBatchSource data,
      List<LinkCompression> links, double[] linkRates) throws Exception {
    return train(graph, boundaries, o, data, links, linkRates, StopRule.NONE);
  }

  /** As above, stopping early where {@code stop} says (the same exchange between stages as on a cluster). */
  static TrainResult train(Graph graph, int[] boundaries, TrainOptions o, MicroBatchSource data,
      List<LinkCompression> links, double[] linkRates, StopRule stop) throws Exception {
    Partition.check(graph, boundaries);
    int stages = boundaries.length - 1;
    InMemoryTransport net = new InMemoryTransport(stages, linkRates, o.peerTimeoutMillis());
    StageWorker[] workers = new StageWorker[stages];
    for (int s = 0; s < stages; s++) {
      StageRunner r = new StageRunner(graph, boundaries[s], boundaries[s + 1], o.seed());
      workers[s] = new StageWorker(r, Optimizer.parse(o.optimizer(), o.learningRate()), s, stages, net.forStage(s),
          data, o.microBatches(), o.seed(), s + 1 < stages ? links.get(s) : null, s > 0 ? links.get(s - 1) : null, o.schedule());
    }
    ExecutorService pool = Executors.newFixedThreadPool(stages);
    List<Double> losses = new ArrayList<>();
    List<Double> elapsed = new ArrayList<>();
    long start = System.nanoTime();
    for (StageWorker w : workers) {
      w.stopRuleActive = stop.active();
    }
    if (stop.active()) {
      workers[stages - 1].stopTracker = stop.start(start);
    }
    StopRule.Reason reason = StopRule.Reason.STEPS;
    try {
      for (int step = 0; step < o.steps(); step++) {
        final int st = step;
        List<Future<Double>> fs = new ArrayList<>();
        for (StageWorker w : workers) {
          fs.add(pool.submit(() -> w.runStep(st)));
        }
        double loss = Double.NaN;
        for (Future<Double> f : fs) {
          double v = f.get();
          if (!Double.isNaN(v)) {
            loss = v;
          }
        }
        losses.add(loss);
        elapsed.add((System.nanoTime() - start) / 1e9);
        if (o.logEvery() > 0 && step % o.logEvery() == 0) {
          LOG.info("dagtrain step {} loss {} elapsed {}s", step, String.format("%.5f", loss),
              String.format("%.2f", elapsed.get(elapsed.size() - 1)));
        }
        if (workers[stages - 1].stopRequested) {
          reason = workers[stages - 1].stopReason;
          LOG.info("dagtrain stops after step {} ({})", step, reason.label());
          break;
        }
      }
    } finally {
      pool.shutdownNow();
      net.close();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    List<LinkStat> stats = new ArrayList<>();
    for (int s = 0; s + 1 < stages; s++) {
      stats.add(new LinkStat(s, s + 1, "stage-" + s, "stage-" + (s + 1), workers[s].transport.bytesSent(s + 1),
          workers[s].forwardCodec.keptFraction()));
      stats.add(new LinkStat(s + 1, s, "stage-" + (s + 1), "stage-" + s, workers[s + 1].transport.bytesSent(s),
          workers[s + 1].backwardCodec.keptFraction()));
    }
    double samples = (double) losses.size() * o.microBatches() * o.microBatchSize();
    double[] compute = new double[stages];
    int[] peak = new int[stages];
    long[] peakBytes = new long[stages];
    for (int s = 0; s < stages; s++) {
      compute[s] = workers[s].computeSeconds;
      peak[s] = workers[s].runner.peakInFlight;
      peakBytes[s] = workers[s].runner.peakInFlightBytes;
    }
    List<TrainedWeights> parts = new ArrayList<>();
    for (StageWorker w : workers) {
      parts.add(TrainedWeights.of(w.runner.params));
    }
    return new TrainResult(losses, elapsed, seconds, samples / seconds, stats, 0, compute, peak, peakBytes,
        TrainedWeights.merge(graph, parts), reason);
  }
}
