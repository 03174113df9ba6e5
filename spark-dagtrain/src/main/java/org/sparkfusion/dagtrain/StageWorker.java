package org.sparkfusion.dagtrain;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.sparkfusion.dagtrain.transport.Frame;
import org.sparkfusion.dagtrain.transport.StageTransport;

/**
 * Runs one stage through training steps. GPipe: all micro-batches forward (receiving activations from the previous
 * stage, sending to the next), then all backward in reverse order (receiving gradients from the next stage, sending
 * to the previous). 1F1B: a warm-up of forwards, then alternating forward and backward, then the remaining
 * backwards, so fewer micro-batches are held at once. Either way the stage's optimizer steps once per step, on
 * gradients summed over the same micro-batches. Sends go out from a separate thread, so a stage computes the next
 * micro-batch while the last one is on the wire.
 */
final class StageWorker {
  final StageRunner runner;
  final Optimizer optimizer;
  final int stage;
  final int stages;
  final StageTransport transport;
  final MicroBatchSource data;
  final int microBatches;
  final long seed;
  final TensorCodec forwardCodec;
  final TensorCodec backwardCodec;
  volatile LinkCompression outgoing;
  volatile LinkCompression incoming;
  final Map<String, DType> types = new HashMap<>();
  final Schedule schedule;
  double computeSeconds;
  /** The last stage's view of the stop rule (null elsewhere and when no rule is set). */
  StopRule.Tracker stopTracker;
  /** Whether a stop rule is set for the run: then every step ends with a {@link Frame#STEP_END} decision. */
  boolean stopRuleActive;
  /** Whether the run stops after the step just run (every stage agrees). */
  boolean stopRequested;
  /** On the last stage: why the run stops after the step just run, or null. */
  StopRule.Reason stopReason;
  /** Where the stage thread's time went in the step running, or after it in the last step run: see {@link StepTiming}. */
  StepTiming last = new StepTiming();

  StageWorker(StageRunner runner, Optimizer optimizer, int stage, int stages, StageTransport transport,
      MicroBatchSource data, int microBatches, long seed, LinkCompression outgoing, LinkCompression incoming,
      Schedule schedule) {
    this.schedule = schedule;
    this.runner = runner;
    this.optimizer = optimizer;
    this.stage = stage;
    this.stages = stages;
    this.transport = transport;
    this.data = data;
    this.microBatches = microBatches;
    this.seed = seed;
    this.outgoing = outgoing;
    this.incoming = incoming;
    this.forwardCodec = new TensorCodec(outgoing != null && outgoing.activationFeedback());
    this.backwardCodec = new TensorCodec(incoming != null && incoming.gradientFeedback());
    for (Node n : runner.graph.nodes()) {
      types.put(n.name(), n.output().dtype());
    }
  }

  /** One training step; returns the mean micro-batch loss on the last stage, NaN elsewhere. */
  double runStep(int step) throws IOException, InterruptedException {
    long[] compute = new long[1];
    StepTiming t = new StepTiming();
    long wall0 = System.nanoTime();
    long cpu0 = StepTiming.threadCpuNanos();
    double[] process0 = StepTiming.processCounters();
    last = t;
    double loss = 0;
    if (schedule == Schedule.GPIPE) {
      for (int m = 0; m < microBatches; m++) {
        loss += forward(step, m, compute);
      }
      for (int m = microBatches - 1; m >= 0; m--) {
        backward(step, m, compute);
      }
    } else {
      // 1F1B (PipeDream-flush): warm up with (stages - stage - 1) forwards, then one forward and one backward
      // (oldest first) until every forward is done, then drain the remaining backwards. At most stages - stage
      // micro-batches are held at once; the gradients are summed over the same micro-batches as GPipe's.
      int warmup = Math.min(stages - stage - 1, microBatches);
      int nextBackward = 0;
      for (int m = 0; m < warmup; m++) {
        loss += forward(step, m, compute);
      }
      for (int m = warmup; m < microBatches; m++) {
        loss += forward(step, m, compute);
        backward(step, nextBackward++, compute);
      }
      while (nextBackward < microBatches) {
        backward(step, nextBackward++, compute);
      }
    }
    if (stopRuleActive) {
      decideStop(step, loss);
    }
    long t0 = System.nanoTime();
    optimizer.step(runner);
    compute[0] += System.nanoTime() - t0;
    computeSeconds += compute[0] / 1e9;
    t.compute = compute[0] / 1e9;
    t.wall = (System.nanoTime() - wall0) / 1e9;
    long cpu1 = StepTiming.threadCpuNanos();
    t.threadCpu = cpu0 < 0 || cpu1 < 0 ? Double.NaN : (cpu1 - cpu0) / 1e9;
    t.processShares(process0, StepTiming.processCounters());
    return runner.isLast() ? loss : Double.NaN;
  }

  /**
   * Whether every stage stops after this step: the last stage asks its tracker, the others read the decision that
   * follows their successor's last gradients of the step (already received, so this does not wait for the link), and
   * each passes it on before its own optimizer step. Every stage then applies the step and ends after it.
   */
  private void decideStop(int step, double loss) throws IOException, InterruptedException {
    boolean stop;
    if (runner.isLast()) {
      stopReason = stopTracker.observe(loss);
      stop = stopReason != null;
    } else {
      long t0 = System.nanoTime();
      Frame f = expect(transport.receive(stage + 1, Frame.STEP_END), step, 0);
      last.waiting += (System.nanoTime() - t0) / 1e9;
      if (f.payload().length != 1) {
        throw new IOException("step-end frame from stage " + (stage + 1) + " has " + f.payload().length
            + " payload bytes, expected 1");
      }
      stop = f.payload()[0] == 1;
    }
    stopRequested = stop;
    if (!runner.isFirst()) {
      transport.send(stage - 1, new Frame(Frame.STEP_END, stage, step, 0, new byte[] {(byte) (stop ? 1 : 0)}));
    }
  }

  /** Receives the next frame of a type from a neighbour stage, counting the wait, and decodes it, counting that. */
  private Map<String, Tensor> receive(int fromStage, byte type, int step, int m) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    Frame f = expect(transport.receive(fromStage, type), step, m);
    long t1 = System.nanoTime();
    Map<String, Tensor> in = TensorCodec.decode(f.payload());
    last.waiting += (t1 - t0) / 1e9;
    last.decode += (System.nanoTime() - t1) / 1e9;
    last.entriesIn += entries(in);
    return in;
  }

  /** Encodes and frames a message and queues it for the neighbour, counting the time spent. */
  private void send(int toStage, byte type, int step, int m, Map<String, Tensor> tensors, TensorCodec codec,
      Compressor c, long seed) throws IOException {
    long t0 = System.nanoTime();
    byte[] payload = codec.encode(tensors, types, c, seed);
    transport.send(toStage, new Frame(type, stage, step, m, payload));
    last.encode += (System.nanoTime() - t0) / 1e9;
    last.entriesOut += entries(tensors);
  }

  private static long entries(Map<String, Tensor> tensors) {
    long n = 0;
    for (Tensor x : tensors.values()) {
      n += x.size();
    }
    return n;
  }

  /** Forward of micro-batch {@code m}; returns its share of the step loss on the last stage (0 elsewhere). */
  private double forward(int step, int m, long[] compute) throws IOException, InterruptedException {
    Map<String, Tensor> in = runner.isFirst() ? data.microBatch(step, m)
        : receive(stage - 1, Frame.ACTIVATIONS, step, m);
    long t0 = System.nanoTime();
    Map<String, Tensor> out = runner.forward(in, new RunContext(seed, step, m, true));
    compute[0] += System.nanoTime() - t0;
    if (runner.isLast()) {
      return out.values().iterator().next().data[0] / microBatches;
    }
    send(stage + 1, Frame.ACTIVATIONS, step, m, out, forwardCodec, outgoing.activations(),
        Seeds.mix(seed, step * 1_000_003L + m));
    return 0;
  }

  private void backward(int step, int m, long[] compute) throws IOException, InterruptedException {
    Map<String, Tensor> gradOut = runner.isLast() ? Map.of() : receive(stage + 1, Frame.GRADIENTS, step, m);
    long t0 = System.nanoTime();
    Map<String, Tensor> gradIn = runner.backward(m, gradOut, 1.0 / microBatches);
    compute[0] += System.nanoTime() - t0;
    if (!runner.isFirst()) {
      send(stage - 1, Frame.GRADIENTS, step, m, gradIn, backwardCodec, incoming.gradients(),
          Seeds.mix(seed, -step * 1_000_003L - m));
    }
  }

  /** A peer running another schedule (or a lost message) shows up as a frame for the wrong micro-batch. */
  private Frame expect(Frame f, int step, int m) {
    if (f.step() != step || f.micro() != m) {
      throw new IllegalStateException("stage " + stage + " expected step " + step + " micro-batch " + m + " from its"
          + " peer, got step " + f.step() + " micro-batch " + f.micro() + " (do all stages run the same schedule?)");
    }
    return f;
  }
}
