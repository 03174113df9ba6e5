package org.sparkfusion.dagtrain;

import java.util.Map;
import java.util.SplittableRandom;

/** A learnable synthetic task for tests: label = argmax of a fixed random projection of the input. */
final class Synthetic implements MicroBatchSource {
  final int features;
  final int classes;
  final int batch;
  final long seed;
  final double[] teacher;

  Synthetic(int features, int classes, int batch, long seed) {
    this.features = features;
    this.classes = classes;
    this.batch = batch;
    this.seed = seed;
    SplittableRandom r = new SplittableRandom(seed);
    teacher = new double[features * classes];
    for (int i = 0; i < teacher.length; i++) {
      teacher[i] = r.nextDouble(-1, 1);
    }
  }

  @Override
  public Map<String, Tensor> microBatch(int step, int micro) {
    SplittableRandom r = new SplittableRandom(Seeds.mix(Seeds.mix(seed, step), micro));
    Tensor x = Tensor.zeros(batch, features);
    Tensor y = Tensor.zeros(batch);
    for (int b = 0; b < batch; b++) {
      double best = Double.NEGATIVE_INFINITY;
      for (int f = 0; f < features; f++) {
        x.data[b * features + f] = r.nextDouble(-1, 1);
      }
      for (int c = 0; c < classes; c++) {
        double s = 0;
        for (int f = 0; f < features; f++) {
          s += x.data[b * features + f] * teacher[f * classes + c];
        }
        if (s > best) {
          best = s;
          y.data[b] = c;
        }
      }
    }
    return Map.of("x", x, "y", y);
  }

  /** A residual MLP with layer and batch norm, dropout and GELU for the synthetic task. */
  static Graph model(int features, int classes, int hidden) {
    GraphBuilder b = new GraphBuilder();
    String x = b.input("x", DType.FLOAT, features);
    String y = b.input("y", DType.INT);
    String h = b.relu("r1", b.batchNorm("bn1", b.linear("fc1", x, hidden)));
    String h2 = b.linear("fc2", b.dropout("drop", b.gelu("g", b.layerNorm("ln", h)), 0.1), hidden);
    String s = b.add("res", h, h2);
    b.softmaxCrossEntropy("loss", b.linear("head", s, classes), y);
    return b.build();
  }

  static TrainOptions options(int steps) {
    return new TrainOptions(steps, 3, 8, "adam", 0.01, 11, 30_000, 0);
  }
}
