package org.sparkfusion.fusefl.core;

import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * Local optimisation settings shared by all clients: SGD with Nesterov momentum, a constant learning rate or a
 * cosine decay to 0 over each stage ({@code cosineDecay}, needing {@code scheduleIterations}, the stage's number
 * of mini-batch steps: see {@link #forRows}), and optionally augmentation of the training images: a random shift
 * by up to {@code augmentShift} pixels per axis and/or a random horizontal flip ({@code augmentFlip}); optionally
 * regularisation: weight decay (each step also shrinks every weight matrix W by learningRate x {@code weightDecay}
 * x W; biases and BatchNorm parameters untouched) and dropout (each unit of every hidden dense layer's
 * output is zeroed with probability {@code dropout} during training, the rest scaled by 1 / (1 - dropout)).
 */
public record TrainingConfig(int epochs, int batchSize, double learningRate, double momentum, long seed,
    int augmentShift, boolean augmentFlip, boolean cosineDecay, int scheduleIterations, double weightDecay,
    double dropout) implements java.io.Serializable {
  public TrainingConfig {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
    }
    if (momentum < 0 || momentum >= 1) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    if (augmentShift < 0) {
      throw new IllegalArgumentException("augmentShift must be >= 0, got " + augmentShift);
    }
    if (scheduleIterations < 0) {
      throw new IllegalArgumentException("scheduleIterations must be >= 0, got " + scheduleIterations);
    }
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      throw new IllegalArgumentException("weightDecay must be a finite number >= 0, got " + weightDecay);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    }
  }

  /** Constant learning rate, without augmentation. */
  public TrainingConfig(int epochs, int batchSize, double learningRate, double momentum, long seed) {
    this(epochs, batchSize, learningRate, momentum, seed, 0, false, false, 0, 0, 0);
  }

  /** True when training batches differ from epoch to epoch (so the frozen blocks' output cannot be cached). */
  public boolean augments() {
    return augmentShift > 0 || augmentFlip;
  }

  /** The same settings without shift or flip augmentation. */
  public TrainingConfig withoutAugmentation() {
    return new TrainingConfig(epochs, batchSize, learningRate, momentum, seed, 0, false, cosineDecay,
        scheduleIterations, weightDecay, dropout);
  }

  /** This configuration for a stage over {@code rows} training rows: the schedule spans all its steps. */
  public TrainingConfig forRows(int rows) {
    int steps = epochs * Math.max(1, (rows + batchSize - 1) / batchSize);
    return new TrainingConfig(epochs, batchSize, learningRate, momentum, seed, augmentShift, augmentFlip, cosineDecay,
        steps, weightDecay, dropout);
  }

  /** The DL4J updater: Nesterov momentum with the constant rate or the cosine schedule. */
  IUpdater updater() {
    if (!cosineDecay) {
      return new Nesterovs(learningRate, momentum);
    }
    if (scheduleIterations < 1) {
      throw new IllegalStateException("cosine decay needs the stage's step count (TrainingConfig.forRows)");
    }
    return new Nesterovs(new CosineDecay(learningRate, scheduleIterations), momentum);
  }

  static TrainingConfig inference() {
    return new TrainingConfig(1, 1, 0.01, 0.0, 0);
  }
}
