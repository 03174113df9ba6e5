package org.sparkfusion.fusefl.core;

/**
 * Local optimisation settings shared by all clients: SGD with Nesterov momentum, no schedule, and optionally
 * random-shift augmentation of the training images by up to {@code augmentShift} pixels per axis.
 */
public record TrainingConfig(int epochs, int batchSize, double learningRate, double momentum, long seed,
    int augmentShift) implements java.io.Serializable {
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
  }

  /** Without augmentation. */
  public TrainingConfig(int epochs, int batchSize, double learningRate, double momentum, long seed) {
    this(epochs, batchSize, learningRate, momentum, seed, 0);
  }

  static TrainingConfig inference() {
    return new TrainingConfig(1, 1, 0.01, 0.0, 0);
  }
}
