package org.sparkfusion.dagtrain;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs one stage through training steps with a GPipe schedule: all micro-batches forward (receiving
 * activations from the previous stage, sending to the next), then all backward in reverse order (receiving
 * gradients from the next stage, sending to the previous), then the stage's optimizer step. Sends go out
 * from a separate thread, so a stage computes the next micro-batch while the last one is on the wire.
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
  double computeSeconds;

  StageWorker(StageRunner runner, Optimizer optimizer, int stage, int stages, StageTransport transport,
      MicroBatchSource data, int microBatches, long seed, LinkCompression outgoing, LinkCompression incoming) {
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
    double loss = 0;
    long compute = 0;
    for (int m = 0; m < microBatches; m++) {
      Map<String, Tensor> in = runner.isFirst() ? data.microBatch(step, m)
          : TensorCodec.decode(transport.receive(stage - 1, Frame.ACTIVATIONS).payload());
      long t0 = System.nanoTime();
      Map<String, Tensor> out = runner.forward(in, new RunContext(seed, step, m, true));
      compute += System.nanoTime() - t0;
      if (runner.isLast()) {
        loss += out.values().iterator().next().data[0] / microBatches;
      } else {
        byte[] payload = forwardCodec.encode(out, types, outgoing.activations(), Seeds.mix(seed, step * 1_000_003L + m));
        transport.send(stage + 1, new Frame(Frame.ACTIVATIONS, stage, step, m, payload));
      }
    }
    for (int m = microBatches - 1; m >= 0; m--) {
      Map<String, Tensor> gradOut = runner.isLast() ? Map.of()
          : TensorCodec.decode(transport.receive(stage + 1, Frame.GRADIENTS).payload());
      long t0 = System.nanoTime();
      Map<String, Tensor> gradIn = runner.backward(m, gradOut, 1.0 / microBatches);
      compute += System.nanoTime() - t0;
      if (!runner.isFirst()) {
        byte[] payload = backwardCodec.encode(gradIn, types, incoming.gradients(), Seeds.mix(seed, -step * 1_000_003L - m));
        transport.send(stage - 1, new Frame(Frame.GRADIENTS, stage, step, m, payload));
      }
    }
    long t0 = System.nanoTime();
    optimizer.step(runner);
    compute += System.nanoTime() - t0;
    computeSeconds += compute / 1e9;
    return runner.isLast() ? loss : Double.NaN;
  }
}
